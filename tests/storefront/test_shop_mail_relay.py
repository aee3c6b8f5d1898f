"""Queued email leaves through the relay chore: as .eml files without SMTP, through SMTP when configured."""

from __future__ import annotations

import email
import smtplib
from email import policy

import pytest
import sqlalchemy as sa

from storefront.mail import operations as mail
from tests.storefront.checkout_fixtures import (
    market_fixture,  # noqa: F401 - the market fixture
    placed_number,
    shopper_fixture,  # noqa: F401 - the shopper fixture
    sql,
)


@pytest.fixture
def queued(storefront, market, shopper):
    """A guest's order whose product title carries markup, so its confirmation is queued."""
    store = market.store("Acme Audio")
    [item] = market.product(store, "<script>alert(1)</script> Stand", [("39.00", 5, {})])
    guest = shopper()
    guest.add(item, 1)
    return placed_number(guest.checkout())


def send(app):
    with app.app_context():
        sent = mail.send_due()
        app.extensions["sqlalchemy"].session.remove()
    return sent


def test_without_smtp_each_message_is_written_as_an_eml_file(storefront, queued, tmp_path, monkeypatch):
    monkeypatch.setitem(storefront.config, "MAIL_DIR", str(tmp_path))
    monkeypatch.setitem(storefront.config, "SMTP_HOST", "")
    assert send(storefront) == 1
    [path] = list(tmp_path.glob("*.eml"))
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "grace@shopper.example" and queued in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "/orders/view/" in text and "(it works for 90 days)" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Stand" in html and "<script>" not in html
    assert sql(storefront, "SELECT sent_at IS NOT NULL, attempts FROM outbound_email")[0] == (True, 1)
    assert send(storefront) == 0  # sent once


class FakeSMTP:
    sent: list = []
    fail = False

    def __init__(self, host, port, timeout):
        if FakeSMTP.fail:
            raise ConnectionRefusedError("connection refused")
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self, context=None):
        pass

    def login(self, user, password):
        self.user = user

    def send_message(self, message):
        FakeSMTP.sent.append(message)


def test_with_smtp_a_failure_is_recorded_and_retried_later(storefront, queued, monkeypatch):
    monkeypatch.setitem(storefront.config, "SMTP_HOST", "smtp.example.test")
    monkeypatch.setitem(storefront.config, "SMTP_USER", "shop")
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent, FakeSMTP.fail = [], True
    assert send(storefront) == 1
    attempts, last_error, sent_at = sql(storefront, "SELECT attempts, last_error, sent_at FROM outbound_email")[0]
    assert attempts == 1 and "ConnectionRefusedError" in last_error and sent_at is None
    assert send(storefront) == 0  # not due again yet: it waits before retrying

    FakeSMTP.fail = False
    with storefront.app_context():
        db = storefront.extensions["sqlalchemy"]
        db.session.execute(sa.text("UPDATE outbound_email SET created_at = created_at - interval '1 minute'"))
        db.session.commit()
        db.session.remove()
    assert send(storefront) == 1
    assert len(FakeSMTP.sent) == 1 and queued in FakeSMTP.sent[0]["Subject"]
    assert sql(storefront, "SELECT attempts, last_error FROM outbound_email")[0] == (2, None)
