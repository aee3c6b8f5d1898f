"""The state of a listing (search, category, store page) as it travels in the URL.

Everything a shopper chose lives in the query string so a page can be bookmarked and shared. Reading
it never fails: a value that makes no sense is dropped and the default used, so odd or hostile URLs
get an ordinary page, not an error.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

PER_PAGE = 24
MAX_QUERY_LENGTH = 200
MAX_VALUES = 20  # per repeatable filter
MAX_PAGE = 10_000
PRICE_LIMIT = Decimal("1000000000")
RATINGS = (4, 3)
SORTS: dict[str, str] = {
    "relevance": "Best match",
    "newest": "Newest",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "rating": "Best rated",
}


@dataclass(frozen=True)
class ListingParams:
    q: str = ""
    category: str | None = None
    brands: tuple[str, ...] = ()
    vendors: tuple[str, ...] = ()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    rating: int | None = None
    in_stock: bool = False
    sort: str = "newest"
    page: int = 1

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> ListingParams:
        q = _clean(args.get("q", ""), MAX_QUERY_LENGTH)
        price_min, price_max = _price(args.get("price_min")), _price(args.get("price_max"))
        if price_min is not None and price_max is not None and price_min > price_max:
            price_min, price_max = price_max, price_min
        rating = _int(args.get("rating"))
        sort = args.get("sort", "")
        # Relevance needs words to be relevant to; without them the newest come first.
        default_sort = "relevance" if q else "newest"
        if sort not in SORTS or (sort == "relevance" and not q):
            sort = default_sort
        return cls(
            q=q,
            category=_clean(args.get("category", ""), 140) or None,
            brands=_values(args.getlist("brand"), 80),
            vendors=_values(args.getlist("vendor"), 140),
            price_min=price_min,
            price_max=price_max,
            rating=rating if rating in RATINGS else None,
            in_stock=args.get("in_stock") in ("1", "on", "true", "yes"),
            sort=sort,
            page=min(max(_int(args.get("page")) or 1, 1), MAX_PAGE),
        )

    @property
    def default_sort(self) -> str:
        return "relevance" if self.q else "newest"

    @property
    def sort_choices(self) -> dict[str, str]:
        return SORTS if self.q else {k: label for k, label in SORTS.items() if k != "relevance"}

    @property
    def has_filters(self) -> bool:
        return bool(
            self.category
            or self.brands
            or self.vendors
            or self.price_min is not None
            or self.price_max is not None
            or self.rating
            or self.in_stock
        )

    def replace(self, **changes: object) -> ListingParams:
        """A copy with some values changed; back to page 1 unless the page is what changes."""
        changes.setdefault("page", 1)
        return dataclasses.replace(self, **changes)

    def cleared(self) -> ListingParams:
        """The same words and sort with every filter removed."""
        return ListingParams(q=self.q, sort=self.sort)

    def query_args(self) -> list[tuple[str, str]]:
        """The canonical query string pairs: defaults left out, repeatable filters repeated."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        if self.category:
            pairs.append(("category", self.category))
        pairs += [("brand", brand) for brand in self.brands]
        pairs += [("vendor", vendor) for vendor in self.vendors]
        if self.price_min is not None:
            pairs.append(("price_min", str(self.price_min)))
        if self.price_max is not None:
            pairs.append(("price_max", str(self.price_max)))
        if self.rating:
            pairs.append(("rating", str(self.rating)))
        if self.in_stock:
            pairs.append(("in_stock", "1"))
        if self.sort != self.default_sort:
            pairs.append(("sort", self.sort))
        if self.page > 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def url(self, path: str) -> str:
        query = urlencode(self.query_args())
        return f"{path}?{query}" if query else path


def _clean(value: str, max_length: int) -> str:
    # NUL cannot be stored or compared in PostgreSQL text; runs of spaces mean nothing.
    return " ".join(str(value).replace("\x00", " ").split())[:max_length]


def _values(values: list[str], max_length: int) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        cleaned = _clean(value, max_length)
        if cleaned:
            seen.setdefault(cleaned)
    return tuple(seen)[:MAX_VALUES]


def _int(value: str | None) -> int | None:
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    return int(text)


def _price(value: str | None) -> Decimal | None:
    if not value or len(value) > 20:
        return None
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > PRICE_LIMIT:
        return None
    return amount.quantize(Decimal("0.01"))
