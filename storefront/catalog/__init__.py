"""The catalogue shoppers browse: the storefront's read copy of vendors' products, fed by events."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

# Typo tolerance: `q <% search_name` matches when word_similarity(q, name) reaches this. Set once per
# connection rather than per query; pg_trgm picks the value up when it loads.
WORD_SIMILARITY_THRESHOLD = 0.3


def init_app(app: Flask) -> None:
    from storefront.catalog import (
        caching,
        models,  # noqa: F401 - the tables join the metadata (and Alembic)
    )
    from storefront.catalog.routes import bp
    from storefront.extensions import db

    app.register_blueprint(bp)
    caching.init_app(app)
    with app.app_context():
        sa.event.listen(db.engine, "connect", _set_search_settings)


def _set_search_settings(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET pg_trgm.word_similarity_threshold = {WORD_SIMILARITY_THRESHOLD}")
    dbapi_connection.commit()
