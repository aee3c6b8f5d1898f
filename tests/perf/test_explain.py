"""The search, category and home statements are served by the indexes meant for them.

Planner choices depend on table size: at 100,000 products `python -m bench.explain` checks the real
plans (the bulk seed of 100,000 takes about a minute, too slow for the suite). Here a 2,000-product
catalogue is planned with sequential scans disabled, which proves each statement *can* be answered
from its index: the index exists, and matches the query's expressions and partial-index predicate.
Text searches also have plain index scans disabled: on a small table a walk of the whole created_at
index looks cheaper than the text indexes, never on a large one.
"""

from __future__ import annotations

import pytest

from bench import explain

NO_SEQSCAN = {"enable_seqscan": "off"}
TEXT_SEARCH = {"enable_seqscan": "off", "enable_indexscan": "off"}


@pytest.fixture
def analysed(storefront, bulk):
    bulk.grow_to(2_000)
    with storefront.app_context():
        engine = storefront.extensions["sqlalchemy"].engine
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # As autovacuum leaves a settled table: statistics, and the visibility map index-only scans need.
            conn.exec_driver_sql("VACUUM ANALYZE product")
    return storefront


@pytest.mark.parametrize("page", list(explain.EXPECTED))
def test_the_page_uses_its_indexes_and_never_scans_all_products(analysed, page):
    url, _ = explain.EXPECTED[page]
    settings = TEXT_SEARCH if "q=" in url else NO_SEQSCAN

    plans = explain.explain(analysed, url, analyze=False, settings=settings)

    assert plans, f"{url} issued no SELECT"
    assert explain.problems(page, plans) == []


def test_a_category_pages_facets_are_summed_from_the_tally_and_its_cards_read_through_an_index(analysed):
    plans = explain.explain(analysed, "/c/audio", analyze=False, settings=NO_SEQSCAN)
    facets = next(plan for plan in plans if "GROUPING SETS" in plan.statement)
    cards = next(plan for plan in plans if "main_image" in plan.statement)

    assert {name for _, name in facets.scans} <= {"", "product_tally", "pk_product_tally", "ux_product_tally_key"}
    assert cards.indexes & {"ix_product_category_ids", "ix_product_listed_created_at"}
    assert "product" not in cards.seq_scanned


def test_the_spelling_correction_reads_only_the_dictionary_through_its_trigram_index(analysed):
    plans = explain.explain(analysed, "/search?q=hedphones", analyze=False, settings=TEXT_SEARCH)
    correction = next(plan for plan in plans if "search_word" in plan.statement)

    assert "ix_search_word_trgm" in correction.indexes
    # The typed words (a function scan) and the dictionary, never a product.
    assert {name for _, name in correction.scans} <= {"", "search_word", "ix_search_word_trgm", "pk_search_word"}
