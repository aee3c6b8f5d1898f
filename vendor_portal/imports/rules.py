"""What a CSV row must hold, and how rows make a product: rows sharing a handle are one product, created only
when every one of its rows is valid. Pure functions over the records and a Context of what the database knows,
so each rule reads (and tests) on its own."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from vendor_portal.catalog.models import CURRENCIES
from vendor_portal.catalog.variants import COMPARE_AT_RULE, MAX_VALUES, MAX_VARIANTS, SKU_MAX, SKU_RE, SKU_RULE
from vendor_portal.imports.csvfile import Record

STATUSES = ("draft", "active")
OPTION_SLOTS = (1, 2, 3)
# Columns that describe the product rather than one variant: read from a handle's first row. Later rows may
# leave them blank or repeat them; a different value would be silently lost, so it is refused instead.
PRODUCT_COLUMNS = (
    "title",
    "description",
    "brand",
    "category",
    "currency",
    "weight_grams",
    "status",
    "option1_name",
    "option2_name",
    "option3_name",
)
TITLE_MAX, DESCRIPTION_MAX, BRAND_MAX, HANDLE_MAX = 200, 20_000, 80, 200
OPTION_NAME_MAX, OPTION_VALUE_MAX = 40, 100
STOCK_MAX = 1_000_000  # inventory's largest single adjustment
WEIGHT_MAX = 1_000_000
PRICE_MAX = Decimal("9999999999.99")  # Numeric(12, 2)
_AMOUNT = re.compile(r"^\d+(\.\d{1,2})?$")
_WHOLE = re.compile(r"^\d+$")
_CASELESS_COLUMNS = ("category", "currency", "status")
REJECTED_WITH_OTHERS = "Not created: another row of this product was rejected"
NOT_APPROVED = "Only approved stores can import active products: use draft until your store is approved."


@dataclass(frozen=True)
class CategoryRef:
    id: int
    name: str
    retired: bool


@dataclass(frozen=True)
class Context:
    """What the rules need from the database, looked up once per chunk."""

    can_publish: bool
    categories: Mapping[str, CategoryRef]  # by slug
    taken_skus: Mapping[str, str]  # the vendor's SKUs in use -> their product's title
    first_line_of_sku: Mapping[str, int]  # where each SKU first appears in the file


@dataclass(frozen=True)
class VariantDraft:
    line: int
    sku: str
    price: Decimal
    compare_at_price: Decimal | None
    stock: int
    options: dict[str, str]


@dataclass(frozen=True)
class ProductDraft:
    handle: str
    title: str
    description: str
    brand: str | None
    category_id: int | None
    currency: str
    weight_grams: int | None
    status: str
    options: tuple[tuple[str, tuple[str, ...]], ...]  # (name, values in first-seen order)
    variants: tuple[VariantDraft, ...]


@dataclass
class Group:
    """The rows of one handle, in file order."""

    handle: str
    records: list[Record] = field(default_factory=list)

    @property
    def skus(self) -> list[str]:
        return [r.get("sku").strip() for r in self.records if r.get("sku").strip()]


@dataclass
class Outcome:
    draft: ProductDraft | None
    rejected: dict[int, list[str]]  # line -> reasons, for every row of a rejected handle


def group_records(records: Iterable[Record]) -> list[Group]:
    """Rows by handle, in order of each handle's first row; a row without a handle stands alone (and fails)."""
    groups: dict[str, Group] = {}
    ordered: list[Group] = []
    for record in records:
        handle = record.get("handle").strip()
        if not handle:
            ordered.append(Group("", [record]))
            continue
        if handle not in groups:
            groups[handle] = Group(handle)
            ordered.append(groups[handle])
        groups[handle].records.append(record)
    return ordered


def first_sku_lines(records: Iterable[Record]) -> dict[str, int]:
    lines: dict[str, int] = {}
    for record in records:
        lines.setdefault(record.get("sku").strip(), record.line)
    lines.pop("", None)
    return lines


def check_group(group: Group, ctx: Context) -> Outcome:
    """A product ready to create, or the reasons for every row of the handle when any row fails."""
    first = group.records[0]
    reasons: dict[int, list[str]] = {r.line: [] for r in group.records}
    product = _product_fields(first, ctx, reasons[first.line])
    names = _option_names(first, reasons[first.line])
    for record in group.records[1:]:
        _same_as_first(record, first, reasons[record.line])
    variants = [_variant(record, names, ctx, reasons[record.line]) for record in group.records]
    options = _check_combinations(group.records, names, variants, reasons)
    if any(reasons.values()):
        bad = [line for line, problems in reasons.items() if problems]
        where = f"line {bad[0]}" if len(bad) == 1 else f"lines {', '.join(map(str, bad))}"
        for problems in reasons.values():
            if not problems:
                problems.append(f"{REJECTED_WITH_OTHERS} ({where}).")
        return Outcome(None, reasons)
    return Outcome(
        ProductDraft(
            handle=group.handle,
            options=options,
            variants=tuple(v for v in variants if v is not None),
            **product,
        ),
        {},
    )


def _product_fields(first: Record, ctx: Context, problems: list[str]) -> dict[str, Any]:
    if first.extra_cells:
        problems.append("This row has more cells than the header has columns.")
    if not first.get("handle").strip():
        problems.append("Handle is required: rows with the same handle make one product.")
    elif len(first.get("handle").strip()) > HANDLE_MAX:
        problems.append(f"Handle is longer than {HANDLE_MAX} characters.")
    title = " ".join(first.get("title").split())
    if not title:
        problems.append("Title is required on the first row of a product.")
    elif len(title) > TITLE_MAX:
        problems.append(f"Title is longer than {TITLE_MAX} characters.")
    description = first.get("description").strip()
    if len(description) > DESCRIPTION_MAX:
        problems.append(f"Description is longer than {DESCRIPTION_MAX:,} characters.")
    brand = " ".join(first.get("brand").split()) or None
    if brand and len(brand) > BRAND_MAX:
        problems.append(f"Brand is longer than {BRAND_MAX} characters.")
    return {
        "title": title,
        "description": description,
        "brand": brand,
        "category_id": _category(first.get("category").strip(), ctx, problems),
        "currency": _currency(first.get("currency").strip(), problems),
        "weight_grams": _whole(first.get("weight_grams").strip(), "Weight (grams)", WEIGHT_MAX, problems),
        "status": _status(first.get("status").strip(), ctx, problems),
    }


def _category(slug: str, ctx: Context, problems: list[str]) -> int | None:
    if not slug:
        return None
    category = ctx.categories.get(slug.lower())
    if category is None:
        problems.append(f"Unknown category '{slug}'.")
        return None
    if category.retired:
        problems.append(f"Category '{slug}' was retired by the marketplace: choose another one.")
        return None
    return category.id


def _currency(value: str, problems: list[str]) -> str:
    currency = (value or "EUR").upper()
    if currency not in CURRENCIES:
        problems.append(f"Unknown currency '{value}': use {', '.join(CURRENCIES[:-1])} or {CURRENCIES[-1]}.")
    return currency


def _status(value: str, ctx: Context, problems: list[str]) -> str:
    status = (value or "draft").lower()
    if status not in STATUSES:
        problems.append(f"Unknown status '{value}': use draft or active.")
    elif status == "active" and not ctx.can_publish:
        problems.append(NOT_APPROVED)
    return status


def _option_names(first: Record, problems: list[str]) -> list[str]:
    """The product's option names, from its first row; each must be filled in before the next."""
    names: list[str] = []
    for slot in OPTION_SLOTS:
        name = " ".join(first.get(f"option{slot}_name").split())
        if not name:
            continue
        if len(names) != slot - 1:
            problems.append(f"Fill option{slot - 1}_name before option{slot}_name.")
        elif len(name) > OPTION_NAME_MAX:
            problems.append(f"option{slot}_name is longer than {OPTION_NAME_MAX} characters.")
        elif name.casefold() in {n.casefold() for n in names}:
            problems.append(f"Two options are both called '{name}': give each option a different name.")
        names.append(name)
    return names


def _same_as_first(record: Record, first: Record, problems: list[str]) -> None:
    if record.extra_cells:
        problems.append("This row has more cells than the header has columns.")
    for column in PRODUCT_COLUMNS:
        value, expected = _comparable(column, record.get(column)), _comparable(column, first.get(column))
        if value and value != expected:
            problems.append(
                f"{column} differs from the first row of this product (line {first.line}): "
                "leave it blank on later rows or repeat the same value."
            )


def _comparable(column: str, value: str) -> str:
    value = " ".join(value.split())
    return value.lower() if column in _CASELESS_COLUMNS else value


def _variant(record: Record, names: list[str], ctx: Context, problems: list[str]) -> VariantDraft | None:
    sku = _sku(record, ctx, problems)
    price = _amount(record.get("price").strip(), "Price", problems, required=True)
    compare_at = _amount(record.get("compare_at_price").strip(), "compare_at_price", problems)
    if price is not None and compare_at is not None and compare_at <= price:
        problems.append(COMPARE_AT_RULE)
    stock = _whole(record.get("stock").strip(), "Stock", STOCK_MAX, problems) or 0
    options: dict[str, str] = {}
    for slot in OPTION_SLOTS:
        value = " ".join(record.get(f"option{slot}_value").split())
        name = names[slot - 1] if slot <= len(names) else None
        if name is None:
            if value:
                problems.append(f"option{slot}_value is filled in but the product has no option{slot}_name.")
        elif not value:
            problems.append(f"option{slot}_value is required: this product has the option '{name}'.")
        elif len(value) > OPTION_VALUE_MAX:
            problems.append(f"option{slot}_value is longer than {OPTION_VALUE_MAX} characters.")
        elif "," in value:
            problems.append(f"option{slot}_value cannot contain a comma.")
        else:
            options[name] = value
    if problems or price is None:
        return None
    return VariantDraft(record.line, sku, price, compare_at, stock, options)


def _sku(record: Record, ctx: Context, problems: list[str]) -> str:
    sku = record.get("sku").strip()
    if not sku:
        problems.append("SKU is required.")
    elif len(sku) > SKU_MAX:
        problems.append(f"SKU is longer than {SKU_MAX} characters.")
    elif not SKU_RE.match(sku):
        problems.append(f"SKU '{sku}' cannot be used. {SKU_RULE}")
    elif ctx.first_line_of_sku.get(sku, record.line) < record.line:
        problems.append(f"SKU '{sku}' is also on line {ctx.first_line_of_sku[sku]}: each SKU must be unique.")
    elif sku in ctx.taken_skus:
        problems.append(f"SKU '{sku}' is already used by your product '{ctx.taken_skus[sku]}'.")
    return sku


def _amount(value: str, label: str, problems: list[str], *, required: bool = False) -> Decimal | None:
    if not value:
        if required:
            problems.append(f"{label} is required.")
        return None
    if value.startswith("-") and _AMOUNT.match(value[1:]):
        problems.append(f"{label} cannot be negative.")
        return None
    if not _AMOUNT.match(value):
        problems.append(f"{label} '{value}' is not an amount: use digits with at most two decimals, like 12.50.")
        return None
    amount = Decimal(value)
    if amount > PRICE_MAX:
        problems.append(f"{label} is too large.")
        return None
    return amount.quantize(Decimal("0.01"))


def _whole(value: str, label: str, maximum: int, problems: list[str]) -> int | None:
    if not value:
        return None
    if value.startswith("-") and _WHOLE.match(value[1:]):
        problems.append(f"{label} cannot be negative.")
        return None
    if not _WHOLE.match(value):
        problems.append(f"{label} '{value}' is not a whole number.")
        return None
    if int(value) > maximum:
        problems.append(f"{label} can be at most {maximum:,}.")
        return None
    return int(value)


def _check_combinations(
    records: list[Record], names: list[str], variants: list[VariantDraft | None], reasons: dict[int, list[str]]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each variant a different combination of option values; returns the options with their values."""
    seen: dict[tuple[str, ...], int] = {}
    values: dict[str, dict[str, str]] = {name: {} for name in names}  # name -> casefolded -> first spelling
    for record, variant in zip(records, variants, strict=True):
        if variant is None:
            continue
        key = tuple(variant.options[name].casefold() for name in names)
        if key in seen:
            reasons[record.line].append(
                f"Same options as line {seen[key]}: each variant of a product needs different option values."
                if names
                else f"Line {seen[key]} has the same handle: a product with several rows needs option columns "
                "(option1_name, option1_value) to tell its variants apart."
            )
            continue
        seen[key] = record.line
        for name in names:
            # One spelling per value ("M" and "m" are the same size), as the product editor keeps them.
            spelling = values[name].setdefault(variant.options[name].casefold(), variant.options[name])
            variant.options[name] = spelling
    first = records[0].line
    if len(records) > MAX_VARIANTS:
        reasons[first].append(f"This product has {len(records)} rows; a product can have at most {MAX_VARIANTS}.")
    for name in names:
        if len(values[name]) > MAX_VALUES:
            reasons[first].append(f"Option '{name}' has {len(values[name])} values; at most {MAX_VALUES} are allowed.")
    return tuple((name, tuple(values[name].values())) for name in names)
