"""Pages of rows a peer service answered: shaped like Flask-SQLAlchemy's pagination for the shared macro,
with their times as datetimes; and ids from the address checked before they are sent to a peer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort
from flask_sqlalchemy.pagination import Pagination


class PeerPage(Pagination):
    """{items, total, page, per_page} from a peer's list endpoint, for common_ui's pagination macro."""

    def __init__(self, answer: dict[str, Any], items_key: str, *, times: tuple[str, ...] = ()) -> None:
        super().__init__(
            page=int(answer["page"]),
            per_page=int(answer["per_page"]),
            max_per_page=None,
            error_out=False,
            items=[parse_times(row, *times) for row in answer[items_key]],
            total=answer["total"],
        )

    def _query_items(self) -> list[Any]:
        return list(self._query_args["items"])

    def _query_count(self) -> int:
        return int(self._query_args["total"])


def parse_times(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The row with its ISO 8601 times (as peers send them) turned into datetimes for the utc() macro."""
    return {**row, **{key: datetime.fromisoformat(row[key]) if row.get(key) else None for key in keys}}


def peer_id(value: int) -> int:
    """An id from the address, or 404 when no peer row can have it (ids start at 1; the URL converter
    already refuses those above PostgreSQL's integer)."""
    if value < 1:
        abort(404)
    return value
