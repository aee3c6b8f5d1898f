"""Options and variants of a product: generating the combinations, editing SKUs and prices, initial stock.

A product without options sells through one default variant (options {}). Options (Size: S, M, L)
make one variant per combination. Changing the options keeps every variant whose values still exist,
creates the missing combinations, and removes the rest: deleted if never ordered, otherwise kept
inactive so past order lines still point at them.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from common_core.db import money, utcnow
from common_core.errors import Conflict, FieldError, InvalidInput, NotAllowed
from vendor_portal.accounts.models import VendorUser
from vendor_portal.catalog import events
from vendor_portal.catalog.models import Product, ProductOption, Variant
from vendor_portal.extensions import db
from vendor_portal.inventory.models import ReservationLine, StockAdjustment
from vendor_portal.inventory.operations import adjust_stock
from vendor_portal.orders.models import VendorOrderLine

MAX_OPTIONS = 3
MAX_VALUES = 30
MAX_VARIANTS = 100
SKU_MAX = 64
SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
SKU_RULE = "Use letters, digits, dots, dashes, slashes or underscores, without spaces."
COMPARE_AT_RULE = "The compare-at price must be above the price."
SKU_CONSTRAINT = "uq_variant_vendor_id_sku"


@dataclass(frozen=True)
class OptionSpec:
    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class VariantChange:
    """One row of the variants table as the vendor submitted it."""

    variant_id: int
    sku: str
    price: Decimal
    compare_at_price: Decimal | None
    is_active: bool
    initial_stock: int | None = None


@dataclass
class OptionsOutcome:
    created: int = 0
    deleted: int = 0
    deactivated: int = 0
    kept: int = 0


class RowErrors(InvalidInput):
    """Refusals that belong next to fields of the variants table: {row index: {field name: message}}."""

    def __init__(self, errors: dict[int, dict[str, str]]) -> None:
        super().__init__("Some variants need fixing: see the messages in the table.")
        self.errors = errors


def actor_name(actor: VendorUser) -> str:
    return f"vendor_user:{actor.id}"


# ---- SKUs ---------------------------------------------------------------------------------------


def clean_sku(sku: str | None, field_name: str = "sku") -> str:
    sku = (sku or "").strip()
    if not sku:
        raise FieldError(field_name, "Enter a SKU.")
    if len(sku) > SKU_MAX:
        raise FieldError(field_name, f"Use at most {SKU_MAX} characters.")
    if not SKU_RE.match(sku):
        raise FieldError(field_name, SKU_RULE)
    return sku


def sku_owner(vendor_id: int, sku: str, *, besides: list[int] | tuple[int, ...] = ()) -> str | None:
    """The title of the vendor's product already using this SKU (other than the variants in `besides`)."""
    query = (
        sa.select(Product.title)
        .join(Variant, Variant.product_id == Product.id)
        .where(Variant.vendor_id == vendor_id, Variant.sku == sku)
    )
    if besides:
        query = query.where(Variant.id.not_in(list(besides)))
    return db.session.scalar(query.limit(1))


def sku_taken_message(title: str) -> str:
    return f"This SKU is already used by {title}."


def check_sku_free(vendor_id: int, sku: str, *, besides: tuple[int, ...] = (), field_name: str = "sku") -> None:
    owner = sku_owner(vendor_id, sku, besides=besides)
    if owner is not None:
        raise FieldError(field_name, sku_taken_message(owner))


def suggest_sku(vendor_id: int, base: str, parts: list[str], taken: set[str]) -> str:
    """A free SKU made of the base and the option values, like NW-0001-BLACK-L (unique for the vendor)."""
    suffix = "-".join(_sku_part(p) for p in parts if _sku_part(p))
    candidate = f"{base}-{suffix}" if suffix else base
    candidate = candidate[:SKU_MAX].rstrip("-")
    sku, n = candidate, 2
    while sku in taken or sku_owner(vendor_id, sku) is not None:
        tail = f"-{n}"
        sku, n = candidate[: SKU_MAX - len(tail)] + tail, n + 1
    taken.add(sku)
    return sku


def _sku_part(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "", ascii_text).upper()[:12]


def flush_skus() -> None:
    """Flush, turning a SKU taken by a simultaneous request into a clear refusal rather than a 500."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        if SKU_CONSTRAINT in str(exc.orig):
            raise Conflict(
                "One of these SKUs was just taken by another of your products. Check and save again."
            ) from exc
        raise


# ---- options ------------------------------------------------------------------------------------


def parse_values(text: str) -> tuple[str, ...]:
    """Comma-separated values, trimmed, blanks dropped, in the order typed."""
    return tuple(v for v in (" ".join(part.split()) for part in (text or "").split(",")) if v)


def check_options(specs: list[OptionSpec]) -> None:
    """Refuse option sets the product could not sell as (too many, repeated names or values)."""
    if len(specs) > MAX_OPTIONS:
        raise InvalidInput(f"A product can have at most {MAX_OPTIONS} options.")
    names = [s.name.casefold() for s in specs]
    if len(set(names)) != len(names):
        raise InvalidInput("Give each option a different name.")
    for spec in specs:
        folded = [v.casefold() for v in spec.values]
        if len(set(folded)) != len(folded):
            raise InvalidInput(f"{spec.name} lists a value twice.")
        if len(spec.values) > MAX_VALUES:
            raise InvalidInput(f"{spec.name} has more than {MAX_VALUES} values.")
    combinations = 1
    for spec in specs:
        combinations *= len(spec.values)
    if combinations > MAX_VARIANTS:
        raise InvalidInput(f"These options make {combinations} variants; at most {MAX_VARIANTS} are allowed.")


def combinations(specs: list[OptionSpec]) -> list[dict[str, str]]:
    """Every combination of the options' values, in the order the vendor listed them (cartesian product)."""
    return [
        dict(zip([s.name for s in specs], values, strict=True))
        for values in itertools.product(*[s.values for s in specs])
    ]


def set_options(product: Product, specs: list[OptionSpec], *, actor: VendorUser) -> OptionsOutcome:
    """Give the product these options and make its variants match their combinations."""
    _ensure_member(product, actor)
    check_options(specs)
    wanted = combinations(specs)  # [{}] for no options: the one default variant
    outcome = OptionsOutcome()
    base_price = _base_price(product)
    base_sku = base_sku_of(product)

    # Each existing variant carries over to the combination its values still make (active ones first).
    matched: dict[int, Variant] = {}
    leftovers: list[Variant] = []
    for variant in sorted(product.variants, key=lambda v: (not v.is_active, v.position, v.id or 0)):
        combo = _carry_over(variant.options or {}, specs)
        index = wanted.index(combo) if combo is not None and combo in wanted else None
        if index is None or index in matched:
            leftovers.append(variant)
        else:
            matched[index] = variant

    in_use = variants_in_use([v.id for v in leftovers])
    for variant in leftovers:
        if variant.id in in_use:
            if variant.is_active:
                outcome.deactivated += 1
            variant.is_active = False
        else:
            product.variants.remove(variant)
            outcome.deleted += 1
    db.session.flush()

    product.options = []
    db.session.flush()  # old option rows go before new ones with the same names arrive
    product.options = [
        ProductOption(name=spec.name, values=list(spec.values), position=position)
        for position, spec in enumerate(specs)
    ]

    taken: set[str] = set()
    for index, combo in enumerate(wanted):
        variant = matched.get(index)
        if variant is None:
            variant = Variant(
                vendor_id=product.vendor_id,
                sku=suggest_sku(product.vendor_id, base_sku, list(combo.values()), taken),
                price=base_price,
                options=combo,
            )
            product.variants.append(variant)
            outcome.created += 1
        else:
            variant.options = combo
            outcome.kept += 1
        variant.position = index
    for offset, variant in enumerate(v for v in product.variants if v not in matched.values() and not v.is_active):
        variant.position = len(wanted) + offset  # kept only for past orders: listed after the live ones
    flush_skus()
    _changed(product)
    return outcome


def _carry_over(old: dict[str, str], specs: list[OptionSpec]) -> dict[str, str] | None:
    """The combination an existing variant becomes under new options, or None when one of its values is gone.

    A newly added option gives existing variants its first value, so adding "Colour" to a product
    keeps its stock and SKUs on the first colour instead of starting again.
    """
    combo = {}
    for spec in specs:
        if spec.name in old:
            if old[spec.name] not in spec.values:
                return None
            combo[spec.name] = old[spec.name]
        else:
            combo[spec.name] = spec.values[0]
    return combo


def split_variants(product: Product) -> tuple[list[Variant], list[Variant]]:
    """(one variant per combination of the current options, in order; those kept only for past orders)."""
    specs = [OptionSpec(o.name, tuple(o.values)) for o in product.options]
    wanted = combinations(specs)
    live: dict[int, Variant] = {}
    for variant in sorted(product.variants, key=lambda v: (not v.is_active, v.position, v.id or 0)):
        combo = variant.options or {}
        if combo in wanted and wanted.index(combo) not in live:
            live[wanted.index(combo)] = variant
    ordered = [live[i] for i in sorted(live)]
    return ordered, [v for v in product.variants if v not in ordered]


def variants_in_use(variant_ids: list[int]) -> set[int]:
    """Variants that were ever ordered or are held for a checkout: they must stay in the database."""
    if not variant_ids:
        return set()
    ordered = sa.select(VendorOrderLine.variant_id).where(VendorOrderLine.variant_id.in_(variant_ids))
    reserved = sa.select(ReservationLine.variant_id).where(ReservationLine.variant_id.in_(variant_ids))
    return set(db.session.scalars(ordered.union(reserved)))


def stocked_variant_ids(product: Product) -> set[int]:
    """Variants with any stock history: their stock is changed on the inventory pages, not set here."""
    return set(
        db.session.scalars(sa.select(StockAdjustment.variant_id).where(StockAdjustment.product_id == product.id))
    )


def base_sku_of(product: Product) -> str:
    default = default_variant(product)
    if default is not None:
        return default.sku
    skus = [v.sku for v in product.variants if v.is_active] or [v.sku for v in product.variants]
    prefix = _common_prefix(skus).rstrip("-_./")
    return prefix or f"P{product.id}"


def _common_prefix(values: list[str]) -> str:
    if not values:
        return ""
    first, last = min(values), max(values)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


def default_variant(product: Product) -> Variant | None:
    """The variant of a product without options (active one first)."""
    candidates = [v for v in product.variants if not v.options]
    candidates.sort(key=lambda v: (not v.is_active, v.position))
    return candidates[0] if candidates else None


def _base_price(product: Product) -> Decimal:
    return product.price_from if product.price_from is not None else money("0")


# ---- editing variants ---------------------------------------------------------------------------


def update_variants(product: Product, changes: list[VariantChange], *, actor: VendorUser) -> None:
    """Apply the variants table: SKUs, prices, active flags and first stock; all rows or none."""
    _ensure_member(product, actor)
    by_id = {v.id: v for v in product.variants}
    if any(change.variant_id not in by_id for change in changes):
        raise InvalidInput("The variants changed while you were editing. Reload the page and try again.")
    stocked = stocked_variant_ids(product)
    errors = sku_problems(product, changes)
    for index, change in enumerate(changes):
        row: dict[str, str] = {}
        if change.compare_at_price is not None and change.compare_at_price <= change.price:
            row["compare_at_price"] = COMPARE_AT_RULE
        if change.initial_stock and change.variant_id in stocked:
            row["initial_stock"] = "This variant already has stock: change it on the Inventory page."
        if row:
            errors[index] = {**errors.get(index, {}), **row}
    if errors:
        raise RowErrors(errors)
    if product.listed and not any(change.is_active for change in changes):
        raise InvalidInput("Keep at least one variant active while the product is for sale, or unpublish it first.")

    # SKUs move in two steps, so two variants can swap SKUs without tripping the unique constraint.
    renamed = [c for c in changes if by_id[c.variant_id].sku != c.sku.strip()]
    for change in renamed:
        by_id[change.variant_id].sku = f"~{change.variant_id}~{utcnow().timestamp()}"[:SKU_MAX]
    db.session.flush()
    for change in changes:
        variant = by_id[change.variant_id]
        variant.sku = change.sku.strip()
        variant.price = money(change.price)
        variant.compare_at_price = money(change.compare_at_price) if change.compare_at_price is not None else None
        variant.is_active = change.is_active
    flush_skus()
    for change in changes:
        if change.initial_stock:
            receive_initial_stock(by_id[change.variant_id], change.initial_stock, actor=actor)
    _changed(product)


def sku_problems(product: Product, changes: list[VariantChange]) -> dict[int, dict[str, str]]:
    """SKU refusals by row: blank or malformed, repeated in the table, or used by another variant of the store."""
    errors: dict[int, dict[str, str]] = {}
    seen: set[str] = set()
    # Variants kept only for past orders are not in the table: their SKUs stay taken.
    in_table = tuple(change.variant_id for change in changes)
    for index, change in enumerate(changes):
        try:
            sku = clean_sku(change.sku)
        except FieldError as exc:
            errors[index] = {"sku": exc.message}
            continue
        owner = sku_owner(product.vendor_id, sku, besides=in_table)
        if sku in seen:
            errors[index] = {"sku": "Two variants cannot share a SKU."}
        elif owner is not None:
            errors[index] = {"sku": sku_taken_message(owner)}
        seen.add(sku)
    return errors


def receive_initial_stock(variant: Variant, quantity: int, *, actor: VendorUser) -> None:
    """A new variant's first stock, through the inventory domain (locks the row, appends to its history)."""
    if quantity > 0:
        adjust_stock(variant, quantity, reason="initial", actor=actor_name(actor))


def _changed(product: Product) -> None:
    product.updated_at = utcnow()
    db.session.flush()
    db.session.expire(product, ["variants", "options"])  # read back in their new order
    if product.listed:
        events.product_upserted(product)


def _ensure_member(product: Product, actor: VendorUser) -> None:
    if actor.vendor_id != product.vendor_id:
        raise NotAllowed("You can only change your own store's products.")
