"""Demo loading across services: waiting for what other services send by event to arrive."""

from __future__ import annotations

import time
from collections.abc import Callable

from common_core.db import current_db


def wait_until_settled(count: Callable[[], int], timeout: float, *, settle: float = 3.0, poll: float = 0.5) -> int:
    """Wait until `count()` is above zero and has not moved for `settle` seconds (a relay is still
    delivering while it grows), or `timeout` seconds pass; returns the last count."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while True:
        now_count = count()
        current_db().session.rollback()  # a fresh snapshot for the next look
        if now_count != last:
            last, since = now_count, time.monotonic()
        elif last > 0 and time.monotonic() - since >= settle:
            return last
        if time.monotonic() >= deadline:
            return max(last, 0)
        time.sleep(poll)
