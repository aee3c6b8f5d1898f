"""The catalogue shoppers browse: the storefront's read copy of vendors' products, fed by events."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

# Set once per connection rather than per query; pg_trgm picks the values up when it loads.
# Suggestions as you type: `q <% search_name` matches when word_similarity(q, name) reaches this.
WORD_SIMILARITY_THRESHOLD = 0.3
# Spelling correction: `dictionary_word % typed_word` matches when similarity() reaches this. "hedphones"
# and "headphones" score 0.62, "sonik" and "sonic" 0.5; nonsense shares no trigrams with any word.
SIMILARITY_THRESHOLD = 0.3


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
        cursor.execute(f"SET pg_trgm.similarity_threshold = {SIMILARITY_THRESHOLD}")
    dbapi_connection.commit()
