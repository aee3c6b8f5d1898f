"""How a request's transaction ends: a GET that only read commits (so psycopg keeps the connection's
prepared statements); a failed request, a change never flushed and any other method roll back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask

from common_core.db import current_db, table
from storefront.mail.models import OutboundEmail


@contextmanager
def transaction_ends(app: Flask) -> Iterator[list[str]]:
    """ "commit" or "rollback" for each transaction of the app's engine that ends inside the block.

    Not counted: autocommit connections' (the catalogue version's read, the nonces' insert), for which
    psycopg sends nothing.
    """
    ends: list[str] = []
    with app.app_context():
        engine = current_db().engine

    def transactional(connection: sa.Connection) -> bool:
        return connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT"

    def committed(connection: sa.Connection) -> None:
        if transactional(connection):
            ends.append("commit")

    def rolled_back(connection: sa.Connection) -> None:
        if transactional(connection):
            ends.append("rollback")

    sa.event.listen(engine, "commit", committed)
    sa.event.listen(engine, "rollback", rolled_back)
    try:
        yield ends
    finally:
        sa.event.remove(engine, "commit", committed)
        sa.event.remove(engine, "rollback", rolled_back)


def nonce_exists(app: Flask, nonce: str) -> bool:
    with app.app_context():
        nonces = table("internal_nonce")
        session = current_db().session
        found = session.execute(sa.select(nonces.c.nonce).where(nonces.c.nonce == nonce)).first()
        session.remove()
    return found is not None


def test_a_page_that_only_read_ends_its_transaction_with_commit(storefront):
    with transaction_ends(storefront) as ends:
        response = storefront.test_client().get("/search?q=lamp")
    assert response.status_code == 200
    assert ends == ["commit"]


def test_a_get_holding_a_change_it_never_flushed_is_rolled_back_and_the_change_is_lost(storefront):
    subject = f"never sent {uuid.uuid4().hex}"
    with transaction_ends(storefront) as ends, storefront.test_request_context("/", method="GET"):
        session = current_db().session
        session.execute(sa.select(table("internal_nonce").c.nonce).limit(1)).all()
        session.add(OutboundEmail(to_address="a@example.com", subject=subject, body_text="-", body_html="-"))
        storefront.do_teardown_request(None)
        session.remove()
    assert ends == ["rollback"]
    with storefront.app_context():
        session = current_db().session
        assert session.scalar(sa.select(sa.func.count()).where(OutboundEmail.subject == subject)) == 0
        session.remove()


def test_a_request_that_failed_is_rolled_back_even_if_it_only_read(storefront):
    with transaction_ends(storefront) as ends, storefront.test_request_context("/", method="GET"):
        session = current_db().session
        session.execute(sa.select(table("internal_nonce").c.nonce).limit(1)).all()
        storefront.do_teardown_request(RuntimeError("the view failed"))
        session.remove()
    assert ends == ["rollback"]


def test_a_post_that_wrote_and_did_not_commit_is_rolled_back(storefront):
    nonce = uuid.uuid4().hex
    with transaction_ends(storefront) as ends, storefront.test_request_context("/", method="POST"):
        session = current_db().session
        session.execute(sa.insert(table("internal_nonce")).values(nonce=nonce, caller="test"))
        storefront.do_teardown_request(None)  # as a view that refused a form after a flush
        session.remove()
    assert ends == ["rollback"]
    assert not nonce_exists(storefront, nonce)
