"""Search and filtered listings: full-text search with spelling correction, facets, sorting and paging.

Words are matched with PostgreSQL full-text search over the weighted search document, in the search
copy (`product_search`: the listed products' columns searches read, partitioned by category so a
word's matches share pages, each naming its product tally combination). When that finds few
products, each misspelt word is corrected to the closest word of the catalogue's titles and brands
(the small `search_word` dictionary, by trigram similarity) and the corrected words are searched as
well, so "hedphones" finds headphones: one more statement on a small table, where matching the typo
against every product's name read thousands of candidates. Facet counts come from one statement and
one pass over the matching products, grouped by their tally combination and then counted with
GROUPING SETS, one FILTERed sum per group that honours every other group's selection but not its own
(ticking two brands shows both, and brand counts ignore brands). A listing without words (a category,
a store, all products) sums the product tally instead, whose few hundred rows each stand for the
products sharing a category path, store, brand, price band, whole stars and stock state, so its cost
does not grow with the catalogue. Counts are kept per facets version, which changes whenever anything
they count does (a product added, removed or changed) but not when stock merely comes and goes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import aggregate_order_by

from storefront.catalog.forms import PER_PAGE, RATINGS, ListingParams
from storefront.catalog.models import Category, Product, ProductTally, SearchWord, product_search
from storefront.catalog.queries import Card, CategoryTree, Page, card_query, facets_version, load_cards
from storefront.extensions import db

p = Product.__table__
s = product_search  # the listed products as searches read them
t = ProductTally.__table__
ENGLISH = sa.literal_column("'english'::regconfig")
FEW_EXACT_MATCHES = 5  # below this many full-text matches, misspelt words are corrected
FACET_LIMIT = 20  # options shown per facet (selected ones always shown)
# Price bands on the "from" price; each upper edge is exclusive (a band's link ends a cent below). The
# same edges as the database's catalog_price_bucket() (migration 0007), which puts products in bands.
PRICE_EDGES = (Decimal(25), Decimal(50), Decimal(100), Decimal(250), Decimal(500))
SUGGESTIONS = 6


@dataclass(frozen=True)
class Scope:
    """What a page fixes before the shopper filters: a category page its category, a store page its store."""

    category: Category | None = None
    vendor_id: int | None = None


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    depth: int = 0


@dataclass
class PriceBucket:
    label: str
    price_min: Decimal | None
    price_max: Decimal | None
    count: int
    selected: bool


@dataclass
class Facets:
    categories: list[FacetOption] = field(default_factory=list)
    brands: list[FacetOption] = field(default_factory=list)
    vendors: list[FacetOption] = field(default_factory=list)
    prices: list[PriceBucket] = field(default_factory=list)
    ratings: list[FacetOption] = field(default_factory=list)
    in_stock: int = 0


@dataclass
class Listing:
    params: ListingParams
    page: Page
    facets: Facets
    # Products the words found as typed, counted (up to FEW_EXACT_MATCHES) only when a word could be corrected.
    exact_matches: int = 0
    corrected: str | None = None  # the words with misspellings corrected, searched as well as the typed ones

    @property
    def cards(self) -> list[Card]:
        return self.page.items


@dataclass(frozen=True)
class TextMatch:
    condition: sa.ColumnElement[bool]
    rank: sa.ColumnElement[Any]
    exact_matches: int
    corrected: str | None = None


def listing(params: ListingParams, tree: CategoryTree, scope: Scope | None = None) -> Listing:
    """One page of products for these parameters, with facet counts.

    Two statements (facets with the total, the cards with their images), three with words to match (the
    dictionary asked for corrections) and four when a word could be corrected (the words' own matches
    counted, to see whether the correction is needed); the facets are skipped when this
    facets version has counted this selection already. A search that counts them picks the page's
    cards in the same statement, so its matches are read once; the cards are then loaded by id.
    """
    scope = scope or Scope()
    match = text_match(params.q) if params.q else None
    searched = (params.q, match.corrected if match else None)
    # Words are matched in the search copy, which holds every column the filters and sorts read; a
    # listing without words reads the products through their sort indexes.
    rows = s if match is not None else p
    order = [*_order(params.sort, match, rows), (rows.c.id, sa.desc)]
    filters = [c for c in _product_filters(params, tree, rows).values() if c is not None]
    counted_page: list[int] | None = None

    def count() -> FacetCounts:
        nonlocal counted_page
        # A search reads its matches once for both its facets and the ids of this page's cards.
        wanted = PageWanted(order, filters, (params.page - 1) * PER_PAGE) if match is not None else None
        counts, counted_page = facet_counts(params, tree, scope, match, wanted)
        return counts

    counts = _kept_facet_counts(params, scope, searched, count)
    total = counts.get("total")
    # Past the end (an old bookmark, a hand-typed page=9999): show the last page instead.
    page_number = min(params.page, max(1, -(-total // PER_PAGE)))
    if not total:
        cards = []
    elif counted_page is not None and page_number == params.page:
        by_id = {card.id: card for card in load_cards(card_query().where(p.c.id.in_(counted_page)))}
        cards = [by_id[card_id] for card_id in counted_page if card_id in by_id]
    elif match is None:
        cards = load_cards(
            card_query()
            .where(*_scope_conditions(scope, p.c), *filters)
            .order_by(*(direction(column) for column, direction in order))
            .limit(PER_PAGE)
            .offset((page_number - 1) * PER_PAGE)
        )
    else:
        # The page's ids and sort keys from the search copy, then their cards, in one statement.
        page = (
            sa.select(s.c.id, *(column.label(f"o{index}") for index, (column, _) in enumerate(order)))
            .where(*_scope_conditions(scope, s.c), match.condition, *filters)
            .order_by(*(direction(column) for column, direction in order))
            .limit(PER_PAGE)
            .offset((page_number - 1) * PER_PAGE)
            .subquery("page")
        )
        cards = load_cards(
            card_query()
            .join(page, page.c.id == p.c.id)
            .order_by(*(direction(page.c[f"o{index}"]) for index, (_, direction) in enumerate(order)))
        )
    return Listing(
        params=params,
        page=Page(cards, page_number, total, PER_PAGE),
        facets=_facets(params, tree, scope, counts),
        exact_matches=match.exact_matches if match else 0,
        corrected=match.corrected if match else None,
    )


def text_match(q: str) -> TextMatch:
    """The words' condition and rank; misspelt words are corrected when the words alone find few products.

    The corrected words are searched together with the typed ones (either matching), so a product the
    typed words found still counts, and every result is ranked as an exact match is. The dictionary is
    asked first: when it knows every word there is nothing to correct, and the products the words find
    as typed are not counted (for a word common to a million products that count alone took 9 ms).
    """
    query = _tsquery(sa.func.websearch_to_tsquery(ENGLISH, sa.func.unaccent(q)))
    exact = s.c.search_document.op("@@")(query)
    corrected = corrected_words(q)
    if corrected is None:
        return TextMatch(exact, _rank(query), exact_matches=0)
    found = db.session.scalar(
        sa.select(sa.func.count()).select_from(sa.select(s.c.id).where(exact).limit(FEW_EXACT_MATCHES).subquery())
    )
    if found >= FEW_EXACT_MATCHES:
        return TextMatch(exact, _rank(query), found)
    # tsquery || tsquery: either query; one scan of the full-text index answers both.
    either = _tsquery(
        sa.func.websearch_to_tsquery(ENGLISH, sa.func.unaccent(q)).op("||")(
            sa.func.websearch_to_tsquery(ENGLISH, corrected)
        )
    )
    return TextMatch(s.c.search_document.op("@@")(either), _rank(either), found, corrected)


def _tsquery(query: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    # As a scalar subquery the parsed query is computed once per statement (an InitPlan), not once per
    # candidate row; the full-text index takes it as a parameter all the same.
    return sa.select(query).scalar_subquery()


def _rank(query: sa.ScalarSelect[Any]) -> sa.ColumnElement[Any]:
    # ts_rank, not ts_rank_cd: both weigh title above description and count repeats, and rank words
    # found close together higher; cover density cost a third of a broad search's first render.
    return sa.func.ts_rank(s.c.search_document, query, 32)  # 32: rank / (rank + 1), in 0..1


def corrected_words(q: str) -> str | None:
    """The words of q (lower-case, accents folded) with each misspelt one replaced by the closest
    dictionary word; None when no word needed or found a correction.

    One statement for all the words, answered from the dictionary (`search_word`) and its trigram index.
    A word is left as typed when it is in the dictionary, too short or without a letter (see
    SearchWord.is_word), or an English stop word (full-text search ignores those anyway). Otherwise its
    correction is the most similar dictionary word at least catalog.SIMILARITY_THRESHOLD alike, the one
    closer in length on a tie, unless both stem to the same lexeme ("headphone", "headphons" and
    "headphones" are one word to full-text search: the typed word already finds what its correction
    would). Everything between the words (spaces, quotes, "-") is kept, so the corrected text means to
    websearch_to_tsquery what the typed text did.
    """
    folded = sa.func.lower(sa.func.unaccent(q))
    typed = SearchWord.words_of(folded, with_ordinality="n").render_derived("typed")
    dictionary = SearchWord.__table__.alias("dictionary")
    known = SearchWord.__table__.alias("known")
    closest = (
        sa.select(dictionary.c.word)
        .where(
            # Depend only on the typed word: the planner checks them once, before reading the index.
            SearchWord.is_word(typed.c.word),
            sa.func.length(sa.func.to_tsvector(ENGLISH, typed.c.word)) > 0,  # no lexeme: a stop word
            ~sa.exists().where(known.c.word == typed.c.word).correlate_except(known),
            # `%` is what the trigram index answers; its threshold is set per connection (catalog/__init__).
            dictionary.c.word.op("%")(typed.c.word),
        )
        .order_by(
            sa.func.similarity(dictionary.c.word, typed.c.word).desc(),
            sa.func.abs(sa.func.length(dictionary.c.word) - sa.func.length(typed.c.word)),
            dictionary.c.word,
        )
        .limit(1)
        .lateral("closest")
    )
    same_lexeme = sa.func.to_tsvector(ENGLISH, closest.c.word) == sa.func.to_tsvector(ENGLISH, typed.c.word)
    correction = sa.case((same_lexeme, sa.null()), else_=closest.c.word)
    rows = db.session.execute(
        sa.select(folded.label("folded"), typed.c.word, correction.label("correction"))
        .select_from(typed.outerjoin(closest, sa.true()))
        .where(typed.c.word != "")
        .order_by(typed.c.n)
    ).all()
    if not any(row.correction for row in rows):
        return None
    text = rows[0].folded
    # The words come in order and nothing between them is a letter or a digit, so each one is found at
    # its own place by looking from the end of the previous one.
    pieces, at = [], 0
    for row in rows:
        start = text.index(row.word, at)
        pieces += [text[at:start], row.correction or row.word]
        at = start + len(row.word)
    return "".join([*pieces, text[at:]])


CENT = Decimal("0.01")
# A sort key: a column and its direction (sa.asc, sa.desc, ...), applied to products or to a CTE's column.
Ordering = tuple[sa.ColumnElement[Any], Callable[[sa.ColumnElement[Any]], sa.ColumnElement[Any]]]
# A price range on the bands' edges, as the price facet's links set it, in bands: from an edge up, and
# up to a cent below an edge.
BANDS_FROM = {edge: index + 1 for index, edge in enumerate(PRICE_EDGES)}
BANDS_TO = {edge - CENT: index for index, edge in enumerate(PRICE_EDGES)}


def _scope_conditions(scope: Scope, columns: Any) -> list[sa.ColumnElement[bool]]:
    """The scope as conditions on products or on tally rows (both have category_ids and vendor_id)."""
    found = [columns.category_ids.contains([scope.category.id])] if scope.category is not None else []
    return found + ([columns.vendor_id == scope.vendor_id] if scope.vendor_id is not None else [])


def _price_range(params: ListingParams, rows: sa.TableClause) -> sa.ColumnElement[bool] | None:
    found = [rows.c.min_price >= params.price_min] if params.price_min is not None else []
    found += [rows.c.min_price <= params.price_max] if params.price_max is not None else []
    return sa.and_(*found) if found else None


def _selection(
    params: ListingParams,
    tree: CategoryTree,
    columns: Any,
    *,
    price: sa.ColumnElement[bool] | None,
    rating: sa.ColumnElement[Any],
) -> dict[str, sa.ColumnElement[bool] | None]:
    """Each group's selection as a condition on products or on tally-shaped rows (`columns`), which
    share every column it reads but the price (a range or bands: `price`) and the rating (`rating`)."""
    category = tree.by_slug.get(params.category) if params.category else None
    return {
        "category": columns.category_ids.contains([category.id]) if category else None,
        "brand": columns.brand.in_(params.brands) if params.brands else None,
        "vendor": columns.vendor_slug.in_(params.vendors) if params.vendors else None,
        "price": price,
        "rating": rating >= params.rating if params.rating else None,
        "in_stock": columns.in_stock.is_(True) if params.in_stock else None,
    }


def _product_filters(
    params: ListingParams, tree: CategoryTree, rows: sa.TableClause
) -> dict[str, sa.ColumnElement[bool] | None]:
    """Each group's selection as a condition on products or their search copy (`rows`): what the cards
    of a page must match."""
    return _selection(params, tree, rows.c, price=_price_range(params, rows), rating=rows.c.rating_avg)


@dataclass(frozen=True)
class Tallied:
    """Rows shaped like product_tally, each standing for `products` products: what facets are counted from.

    A listing without words whose price range is a band's (the price facet's links) or none reads the
    product tally itself: a few hundred rows whatever the catalogue's size. Any other selection groups
    its matching products the same way within the statement (a search by each match's tally id, then
    reads those combinations from the tally), so the facets' GROUPING SETS (and the categories
    unnested) work through those groups instead of every match; the price range, which the groups
    cannot know from the band, becomes a column of the grouping.
    """

    rows: sa.FromClause
    where: list[sa.ColumnElement[bool]]
    price: sa.ColumnElement[bool] | None  # the price range's condition on these rows
    page_ids: sa.ScalarSelect[Any] | None = None  # the ids of a page's cards, in order (see PageWanted)


@dataclass(frozen=True)
class PageWanted:
    """A page of cards to pick from the same matches the facets count: one read of them for both."""

    order: list[Ordering]
    filters: list[sa.ColumnElement[bool]]  # the selection, on the search copy
    offset: int


def _tallied(params: ListingParams, scope: Scope, match: TextMatch | None, wanted: PageWanted | None = None) -> Tallied:
    on_bands = (params.price_min is None or params.price_min in BANDS_FROM) and (
        params.price_max is None or params.price_max in BANDS_TO
    )
    if match is None and on_bands:
        return _the_tally(params, scope)
    key: dict[str, sa.ColumnElement[Any]]
    if match is not None:
        # The words' matches in the search copy, grouped by their combination's id in the tally: one
        # number per match to carry and hash, where the combination's values were eight columns.
        price = _price_range(params, s)
        key = {"tally_id": s.c.tally_id}
        where = [*_scope_conditions(scope, s.c), match.condition]
    else:
        # A price range off the bands without words: the products in scope (through the category index,
        # which the search copy has not), grouped by the tally's key.
        price = _price_range(params, p)
        key = {
            "category_ids": p.c.category_ids,
            "vendor_slug": p.c.vendor_slug,
            "vendor_name": p.c.vendor_name,
            "brand": p.c.brand,
            "price_bucket": sa.func.catalog_price_bucket(p.c.min_price),
            "rating_floor": sa.cast(sa.func.floor(p.c.rating_avg), sa.SmallInteger),
            "in_stock": p.c.in_stock,
        }
        where = [p.c.listed, *_scope_conditions(scope, p.c)]
    if price is not None:
        key["in_price_range"] = sa.func.coalesce(price, False)
    return _grouped_matches(key, where, wanted, by_tally_id=match is not None)


def _the_tally(params: ListingParams, scope: Scope) -> Tallied:
    where = [t.c.products > 0, *_scope_conditions(scope, t.c)]
    bands = [t.c.price_bucket >= BANDS_FROM[params.price_min]] if params.price_min is not None else []
    bands += [t.c.price_bucket <= BANDS_TO[params.price_max]] if params.price_max is not None else []
    return Tallied(t, where, sa.and_(*bands) if bands else None)


def _grouped_matches(
    key: dict[str, sa.ColumnElement[Any]],
    where: list[sa.ColumnElement[bool]],
    wanted: PageWanted | None,
    *,
    by_tally_id: bool = False,
) -> Tallied:
    """The matches grouped by key for the facets, and, when a page is wanted, sorted for it too: the
    matches are one CTE (read twice then, so materialised; read once, PostgreSQL inlines it). Groups
    by_tally_id get their combination's values from the tally."""
    columns = dict(key)
    if wanted is not None:
        chosen = sa.and_(sa.true(), *wanted.filters)
        # Sort keys only for the rows the page may show: a relevance rank is not computed for the rest.
        columns |= {f"o{index}": sa.case((chosen, column)) for index, (column, _) in enumerate(wanted.order)}
        columns["chosen"] = chosen
    matched = sa.select(*(column.label(name) for name, column in columns.items())).where(*where).cte("matched")
    keys = [matched.c[name] for name in key]
    grouped = sa.select(*keys, sa.func.count().label("products")).group_by(*keys).subquery("grouped")
    if by_tally_id:
        grouped = _with_tally_values(grouped)
    price = grouped.c.get("in_price_range")
    if wanted is None:
        return Tallied(grouped, [], price)
    sort_keys = [f"o{index}" for index in range(len(wanted.order))]
    directions = [direction for _, direction in wanted.order]
    page = (
        sa.select(*(matched.c[name] for name in sort_keys))
        .where(matched.c.chosen)
        .order_by(*(direction(matched.c[name]) for name, direction in zip(sort_keys, directions, strict=True)))
        .limit(PER_PAGE)
        .offset(wanted.offset)
        .subquery("page")
    )
    in_order = [direction(page.c[name]) for name, direction in zip(sort_keys, directions, strict=True)]
    # The last sort key is the product id (listing() ends every order with it).
    page_ids = sa.select(sa.func.array_agg(aggregate_order_by(page.c[sort_keys[-1]], *in_order))).scalar_subquery()
    return Tallied(grouped, [], price, page_ids)


TALLY_VALUES = ("category_ids", "vendor_slug", "vendor_name", "brand", "price_bucket", "rating_floor", "in_stock")


def _with_tally_values(grouped: sa.Subquery) -> sa.Subquery:
    """Groups of matches by tally id, with their combination's values read from the tally (a row each)."""
    return (
        sa.select(*(t.c[name] for name in TALLY_VALUES), *(column for column in grouped.c if column.name != "tally_id"))
        .join_from(grouped, t, t.c.id == grouped.c.tally_id)
        .subquery("tallied")
    )


def _group_conditions(
    params: ListingParams, tree: CategoryTree, tallied: Tallied
) -> dict[str, sa.ColumnElement[bool] | None]:
    """Each group's selection as a condition on tally-shaped rows."""
    # rating_avg >= 4 exactly when its whole stars are: RATINGS are whole stars.
    return _selection(params, tree, tallied.rows.c, price=tallied.price, rating=tallied.rows.c.rating_floor)


def facet_counts(
    params: ListingParams, tree: CategoryTree, scope: Scope, match: TextMatch | None, wanted: PageWanted | None = None
) -> tuple[FacetCounts, list[int] | None]:
    """Every facet's counts and the total for this selection, in one statement (see Tallied), and the ids
    of the wanted page's cards (None when no page was wanted, or for a listing without words)."""
    tallied = _tallied(params, scope, match, wanted)
    return _facet_counts(tallied, _group_conditions(params, tree, tallied))


@dataclass
class FacetCounts:
    """Counts by (facet, key), from the facet statement."""

    counts: dict[tuple[str, str | None], int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # store names by slug

    def get(self, facet: str, key: str | None = None) -> int:
        return self.counts.get((facet, key), 0)

    def of(self, facet: str) -> dict[str, int]:
        return {key: count for (kind, key), count in self.counts.items() if kind == facet and key is not None}


FACET_SETS_KEPT = 512  # per app, of the current facets version only


def _kept_facet_counts(
    params: ListingParams, scope: Scope, searched: tuple[str | None, ...], count: Callable[[], FacetCounts]
) -> FacetCounts:
    """The facet counts of this selection, computed once per facets version.

    Counting is the part of a listing that grows with the catalogue (every matching product is read),
    yet the counts depend only on the selection (scope, words searched, filters), not on the sort or the
    page, and they cannot change while the facets version stays the same: adding, removing or changing
    a product bumps it as it commits (migration 0006); only the units in stock and timestamps do not,
    and no count depends on those (in_stock, which one counts, is its own column). So they are kept by
    (version, selection) and never shown stale, and survive the stock changes of every order.
    """
    version = facets_version()  # before counting: counts newer than their key are harmless, never older
    key = (
        scope.category.id if scope.category else None,
        scope.vendor_id,
        searched,  # the typed words and their correction, if any
        params.category,
        params.brands,
        params.vendors,
        params.price_min,
        params.price_max,
        params.rating,
        params.in_stock,
    )
    kept = current_app.extensions.setdefault("catalog_facets", _KeptCounts())
    with kept.lock:
        if kept.version != version:
            kept.version, kept.counts = version, OrderedDict()
        found = kept.counts.get(key)
        if found is not None:
            kept.counts.move_to_end(key)
            return found
    found = count()
    with kept.lock:
        if kept.version == version:
            kept.counts[key] = found
            while len(kept.counts) > FACET_SETS_KEPT:
                kept.counts.popitem(last=False)
    return found


@dataclass
class _KeptCounts:
    version: int | None = None
    counts: OrderedDict[tuple[Any, ...], FacetCounts] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _facet_counts(
    tallied: Tallied, groups: dict[str, sa.ColumnElement[bool] | None]
) -> tuple[FacetCounts, list[int] | None]:
    """Every facet's counts and the total, in one statement and one pass over the tally-shaped rows, and
    the ids of the page's cards when tallied asks for them.

    GROUPING SETS aggregate the rows once into a hash table per facet; each facet's count is a FILTERed
    sum honouring every other group's selection. Categories need each row's category ids unnested (its
    products count under each of their categories), so the other facets count only the first of them.
    """
    # NULL (no brand, no rating) counts as "not selected", never as unknown.
    flags = {name: sa.func.coalesce(cond, False) if cond is not None else None for name, cond in groups.items()}

    def others(group: str | None, *more: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
        return sa.and_(sa.true(), *(flag for name, flag in flags.items() if name != group and flag is not None), *more)

    x = tallied.rows.c
    categories = sa.func.unnest(x.category_ids).table_valued("category_id", with_ordinality="ord").render_derived("c")
    once = sa.or_(categories.c.ord.is_(None), categories.c.ord == 1)  # each row's first category
    bucket = x.price_bucket.label("bucket")

    def count(*conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(x.products).filter(sa.and_(*conditions)), 0)

    counted = {
        "total": count(once, others(None)),
        "brand": count(once, others("brand")),
        "vendor": count(once, others("vendor")),
        "price": count(once, others("price")),
        "category": count(others("category")),
        **{f"rating_{stars}": count(once, others("rating", x.rating_floor >= stars)) for stars in RATINGS},
        "in_stock": count(once, others("in_stock", x.in_stock)),
    }
    keys = (x.brand, x.vendor_slug, bucket, categories.c.category_id)
    columns = [sa.func.grouping(*keys).label("kind"), *keys, x.vendor_name]
    if tallied.page_ids is not None:
        columns.append(tallied.page_ids.label("page_ids"))  # an InitPlan: computed once, on every row
    statement = (
        sa.select(*columns, *(c.label(f"n_{n}") for n, c in counted.items()))
        .select_from(tallied.rows.outerjoin(categories, sa.true()))
        .where(*tallied.where)
        .group_by(
            sa.func.grouping_sets(
                sa.tuple_(x.brand), sa.tuple_(x.vendor_slug, x.vendor_name), sa.tuple_(bucket),
                sa.tuple_(categories.c.category_id), sa.tuple_(),
            )
        )
    )  # fmt: skip
    # grouping(brand, vendor_slug, bucket, category_id): a bit set for each key the row is not grouped by.
    by_kind = {0b0111: "brand", 0b1011: "vendor", 0b1101: "price", 0b1110: "category", 0b1111: None}
    counts = FacetCounts()
    page_ids: list[int] | None = [] if tallied.page_ids is not None else None
    for row in db.session.execute(statement):
        if page_ids is not None:
            page_ids = list(row.page_ids or [])
        facet = by_kind[row.kind]
        if facet is None:
            counts.counts[("total", None)] = int(row.n_total)
            counts.counts[("in_stock", None)] = int(row.n_in_stock)
            for stars in RATINGS:
                counts.counts[("rating", str(stars))] = int(row._mapping[f"n_rating_{stars}"])
            continue
        key = {"brand": row.brand, "vendor": row.vendor_slug, "price": row.bucket, "category": row.category_id}[facet]
        count_of = int(row._mapping[f"n_{facet}"])
        if key is None or not count_of:
            continue  # no brand / store / category is not an option; nor is one the other filters rule out
        counts.counts[(facet, str(key))] = count_of
        if facet == "vendor" and row.vendor_name:
            counts.labels[str(key)] = row.vendor_name
    return counts, page_ids


def _order(sort: str, match: TextMatch | None, rows: sa.TableClause) -> list[Ordering]:
    """The sort's columns of products or of their search copy (`rows`) with their directions (applied to
    those rows or to the same columns of a CTE)."""
    if sort == "relevance" and match is not None:
        return [(match.rank, sa.desc), (rows.c.rating_count, sa.desc)]
    return {
        "price_asc": [(rows.c.min_price, sa.asc)],
        "price_desc": [(rows.c.min_price, sa.desc)],
        "rating": [(rows.c.rating_avg, lambda column: sa.nulls_last(sa.desc(column))), (rows.c.rating_count, sa.desc)],
    }.get(sort, [(rows.c.created_at, sa.desc)])


def _facets(params: ListingParams, tree: CategoryTree, scope: Scope, counts: FacetCounts) -> Facets:
    facets = Facets(in_stock=counts.get("in_stock"))

    def options(facet: str, selected: tuple[str, ...], label_of: dict[str, str] | None = None) -> list[FacetOption]:
        found = sorted(counts.of(facet).items(), key=lambda item: (-item[1], item[0].lower()))[:FACET_LIMIT]
        keys = {key for key, _ in found}
        # A ticked value stays on screen (with 0) even when other filters leave nothing of it.
        found += [(value, 0) for value in selected if value not in keys]
        return [
            FacetOption(key, (label_of or {}).get(key, key), count, key in selected)
            for key, count in sorted(found, key=lambda item: item[0].lower())
        ]

    facets.brands = options("brand", params.brands)
    if scope.vendor_id is None:
        facets.vendors = options("vendor", params.vendors, counts.labels)
    facets.categories = _category_options(params, tree, counts)
    facets.prices = _price_buckets(params, counts)
    facets.ratings = [
        FacetOption(str(stars), f"{stars} stars & up", counts.get("rating", str(stars)), params.rating == stars)
        for stars in RATINGS
    ]
    return facets


def _category_options(params: ListingParams, tree: CategoryTree, counts: FacetCounts) -> list[FacetOption]:
    """Categories with matches (or chosen), each top-level one followed by its subcategories."""
    count_of = {int(key): n for key, n in counts.of("category").items()}
    options = []
    for root in tree.children(None):
        for category, depth in ((root, 0), *((child, 1) for child in tree.children(root))):
            selected = params.category == category.slug
            if count_of.get(category.id) or selected:
                options.append(FacetOption(category.slug, category.name, count_of.get(category.id, 0), selected, depth))
    return options


def _price_buckets(params: ListingParams, counts: FacetCounts) -> list[PriceBucket]:
    """Fixed bands of the "from" price; a band's link sets price_min and price_max (a cent below the next)."""
    edges: list[Decimal | None] = [None, *(edge.quantize(CENT) for edge in PRICE_EDGES), None]
    buckets = []
    for index, (low, high) in enumerate(pairwise(edges)):
        price_max = high - CENT if high is not None else None
        if low is None:
            label = f"Under {high:.0f}"
        elif high is None:
            label = f"{low:.0f} and above"
        else:
            label = f"{low:.0f} to {high:.0f}"
        selected = (params.price_min, params.price_max) == (low, price_max)
        buckets.append(PriceBucket(label, low, price_max, counts.get("price", str(index)), selected))
    return buckets


@dataclass
class Suggestions:
    products: list[Any]
    categories: list[Category]


def suggestions(q: str) -> Suggestions:
    """Titles and categories for the search box as the shopper types (two small queries)."""
    if len(q) < 2:
        return Suggestions([], [])
    words = sa.func.lower(sa.func.unaccent(q))
    pattern = sa.literal("%").concat(sa.func.lower(sa.func.unaccent(_escape_like(q)))).concat("%")
    products = db.session.execute(
        sa.select(p.c.id, p.c.slug, p.c.title)
        .where(p.c.listed, sa.or_(p.c.search_name.like(pattern, escape="\\"), words.op("<%")(p.c.search_name)))
        .order_by(sa.func.word_similarity(words, p.c.search_name).desc(), p.c.rating_count.desc(), p.c.id.desc())
        .limit(SUGGESTIONS)
    ).all()
    categories = db.session.scalars(
        sa.select(Category)
        .where(Category.retired.is_(False), sa.func.lower(sa.func.unaccent(Category.name)).like(pattern, escape="\\"))
        .order_by(Category.parent_id.is_not(None), Category.position, Category.name)
        .limit(3)
    ).all()
    return Suggestions(list(products), list(categories))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
