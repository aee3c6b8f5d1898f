"""The traffic domain's relay chore: pending page and product views published as traffic.batch events.

Registered with the relay from traffic/routes.py (the relay runs chores in app context). The traffic
domain has no internal endpoints: analytics receive traffic by event only.
"""

from __future__ import annotations

from flask import Flask

from common_core.outbox import add_chore
from storefront.extensions import db
from storefront.traffic import operations

CHORE_SECONDS = 10
MAX_BATCHES_PER_RUN = 20  # 10,000 rows a run at most, so one busy run does not hold the relay up


def relay_traffic() -> int:
    """Publish pending traffic in batches of up to 500 rows, one transaction per batch; returns how many."""
    published = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        count = operations.publish_batch()
        db.session.commit()  # also ends the transaction of a claim that found nothing
        published += count
        if count < operations.BATCH_SIZE:
            break
    return published


def register_chores(app: Flask) -> None:
    add_chore(app, relay_traffic, CHORE_SECONDS)
