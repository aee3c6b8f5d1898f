"""The catalogue endpoints platform staff use through admin_portal: search every store's products, one
product with its stock and history, and hiding (moderation) or restoring a product.

Hiding is a state, not a status move: a hidden product keeps its status (a vendor can go on editing it)
but is not listed whatever its status. So hide and restore are idempotent by state (hiding a hidden
product with the same reason changes nothing) and their request_id is only carried into the log.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import g, request
from sqlalchemy.orm import selectinload

from common_core.db import utcnow
from common_core.errors import InvalidInput, NotFound
from common_core.internal.api import json_object, query_int
from vendor_portal.accounts.models import Vendor
from vendor_portal.catalog import events
from vendor_portal.catalog.models import PRODUCT_STATUSES, Product, ProductImage, Variant
from vendor_portal.catalog.queries import escape_like
from vendor_portal.extensions import db
from vendor_portal.internal.routes import api
from vendor_portal.inventory.models import StockAdjustment
from vendor_portal.inventory.queries import actor_labels

log = logging.getLogger("marketplace.vendor_portal.moderation")

CALLERS = ("admin_portal",)
STOCK_LEVELS = ("low", "out", "in")
PER_PAGE_DEFAULT, PER_PAGE_MAX = 25, 100
QUERY_MAX = 200
REASON_MAX = 1000
HISTORY_LIMIT = 50
# Staff stock adjustments carry their request id at the start of the note (see inventory/internal.py).
REQUEST_MARKER = "[req:"

MONEY = {"type": ["string", "null"], "pattern": r"^\d+\.\d{2}$"}
TIME = {"type": ["string", "null"], "format": "date-time"}
REQUEST_ID = {
    "type": "string",
    "minLength": 1,
    "maxLength": 64,
    "description": "The staff action's id, for the log; hiding and restoring are idempotent by state.",
}
PRODUCT_ROW = {
    "type": "object",
    "required": [
        "product_id",
        "vendor_id",
        "store_name",
        "title",
        "status",
        "hidden_reason",
        "category_id",
        "price_min",
        "price_max",
        "currency",
        "stock_total",
        "low_stock",
        "updated_at",
    ],
    "properties": {
        "product_id": {"type": "integer"},
        "vendor_id": {"type": "integer"},
        "store_name": {"type": "string"},
        "title": {"type": "string"},
        "brand": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": list(PRODUCT_STATUSES)},
        "listed": {"type": "boolean", "description": "Shoppers can see it: active, not hidden, store approved."},
        "hidden_reason": {"type": ["string", "null"]},
        "hidden_at": TIME,
        "category_id": {"type": ["integer", "null"]},
        "price_min": MONEY,
        "price_max": MONEY,
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "stock_total": {"type": "integer", "description": "Units on hand over the active variants."},
        "available_total": {"type": "integer", "description": "On hand minus reserved for checkouts."},
        "low_stock": {"type": "boolean", "description": "Some active variant at or below the threshold."},
        "updated_at": TIME,
    },
}
PRODUCT_LIST = {
    "type": "object",
    "required": ["products", "total", "page", "per_page"],
    "properties": {
        "products": {"type": "array", "items": PRODUCT_ROW},
        "total": {"type": "integer"},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
    },
}
PRODUCT_LIST_QUERY = [
    {
        "name": "q",
        "in": "query",
        "schema": {"type": "string", "maxLength": QUERY_MAX},
        "description": "Title, SKU or brand.",
    },
    {"name": "vendor_id", "in": "query", "schema": {"type": "integer"}},
    {"name": "category_id", "in": "query", "schema": {"type": "integer"}},
    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(PRODUCT_STATUSES)}},
    {
        "name": "stock",
        "in": "query",
        "schema": {"type": "string", "enum": list(STOCK_LEVELS)},
        "description": "low: some variant at or below its threshold (out included); out: nothing available; "
        "in: something available.",
    },
    {"name": "hidden", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}},
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX, "default": PER_PAGE_DEFAULT},
    },
]
PRODUCT_DETAIL = {
    "type": "object",
    "required": [*PRODUCT_ROW["required"], "variants", "images_count", "history"],
    "properties": {
        **PRODUCT_ROW["properties"],
        "vendor_status": {"type": "string"},
        "description": {"type": "string", "description": "What the vendor typed (plain text or limited HTML)."},
        "low_stock_threshold": {"type": "integer"},
        "created_at": TIME,
        "images_count": {"type": "integer"},
        "variants": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variant_id", "sku", "options", "price", "stock_on_hand", "reserved", "available"],
                "properties": {
                    "variant_id": {"type": "integer"},
                    "sku": {"type": "string"},
                    "options": {"type": "object", "additionalProperties": {"type": "string"}},
                    "price": MONEY,
                    "is_active": {"type": "boolean"},
                    "stock_on_hand": {"type": "integer"},
                    "reserved": {"type": "integer"},
                    "available": {"type": "integer"},
                },
            },
        },
        "history": {
            "type": "array",
            "description": f"The product's last {HISTORY_LIMIT} stock adjustments, newest first.",
            "items": {
                "type": "object",
                "required": ["adjustment_id", "variant_id", "sku", "delta", "reason", "actor", "on_hand_after"],
                "properties": {
                    "adjustment_id": {"type": "integer"},
                    "variant_id": {"type": "integer"},
                    "sku": {"type": "string"},
                    "delta": {"type": "integer"},
                    "reason": {"type": "string"},
                    "note": {"type": ["string", "null"]},
                    "request_id": {"type": ["string", "null"]},
                    "actor": {"type": "string"},
                    "actor_label": {"type": "string"},
                    "on_hand_after": {"type": "integer"},
                    "created_at": TIME,
                },
            },
        },
    },
}
HIDE_REQUEST = {
    "type": "object",
    "required": ["reason", "request_id"],
    "additionalProperties": False,
    "properties": {
        "reason": {"type": "string", "minLength": 1, "maxLength": REASON_MAX, "description": "Shown to the vendor."},
        "request_id": REQUEST_ID,
    },
}
RESTORE_REQUEST = {
    "type": "object",
    "required": ["request_id"],
    "additionalProperties": False,
    "properties": {"request_id": REQUEST_ID},
}
MODERATION_ANSWER = {
    "type": "object",
    "required": ["product_id", "vendor_id", "title", "status", "listed", "hidden_reason", "hidden_at", "changed"],
    "properties": {
        "product_id": {"type": "integer"},
        "vendor_id": {"type": "integer"},
        "title": {"type": "string"},
        "status": {"type": "string", "enum": list(PRODUCT_STATUSES)},
        "listed": {"type": "boolean"},
        "hidden_reason": {"type": ["string", "null"]},
        "hidden_at": TIME,
        "changed": {"type": "boolean", "description": "False when the product was already in that state."},
        "before": {
            "type": "object",
            "description": "The state before this request: hidden_reason, listed.",
            "properties": {"hidden_reason": {"type": ["string", "null"]}, "listed": {"type": "boolean"}},
        },
    },
}


@api.route(
    "/products",
    methods=["GET"],
    summary="Search every store's products, most recently changed first",
    query=PRODUCT_LIST_QUERY,
    response=PRODUCT_LIST,
    callers=CALLERS,
)
def list_products() -> Any:
    page = query_int("page", 1, minimum=1, maximum=100_000)
    per_page = query_int("per_page", PER_PAGE_DEFAULT, minimum=1, maximum=PER_PAGE_MAX)
    query = _search_query()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"products": [_row(row) for row in rows], "total": total, "page": page, "per_page": per_page}


@api.route(
    "/products/<int:product_id>",
    methods=["GET"],
    summary="One product with its variants' stock, images count, hidden state and last stock adjustments",
    response=PRODUCT_DETAIL,
    callers=CALLERS,
)
def get_product(product_id: int) -> Any:
    query = _search_query(filtered=False).where(Product.id == product_id).options(selectinload(Product.variants))
    row = db.session.execute(query).first()
    if row is None:
        raise NotFound(f"There is no product {product_id}.")
    product: Product = row.Product
    images_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(ProductImage).where(ProductImage.product_id == product.id)
    )
    return {
        **_row(row),
        "vendor_status": row.vendor_status,
        "description": product.description,
        "low_stock_threshold": product.low_stock_threshold,
        "created_at": _iso(product.created_at),
        "images_count": images_count or 0,
        "variants": [
            {
                "variant_id": v.id,
                "sku": v.sku,
                "options": dict(v.options or {}),
                "price": str(v.price),
                "is_active": v.is_active,
                "stock_on_hand": v.stock_on_hand,
                "reserved": v.reserved,
                "available": v.available,
            }
            for v in product.variants
        ],
        "history": _history(product),
    }


@api.route(
    "/products/<int:product_id>/hide",
    methods=["POST"],
    summary="Hide a product from shoppers with a reason the vendor is shown (idempotent by state)",
    request=HIDE_REQUEST,
    response=MODERATION_ANSWER,
    callers=CALLERS,
)
def hide_product(product_id: int) -> Any:
    body = _body(HIDE_REQUEST)
    reason = _text(body, "reason", REASON_MAX)
    request_id = _text(body, "request_id", 64)
    product = _locked_product(product_id)
    before = _before(product)
    changed = hide(product, reason)
    db.session.commit()
    _log("product hidden" if changed else "product already hidden", product, request_id)
    return _moderation_state(product, changed, before)


@api.route(
    "/products/<int:product_id>/restore",
    methods=["POST"],
    summary="Let shoppers see a hidden product again (idempotent by state)",
    request=RESTORE_REQUEST,
    response=MODERATION_ANSWER,
    callers=CALLERS,
)
def restore_product(product_id: int) -> Any:
    request_id = _text(_body(RESTORE_REQUEST), "request_id", 64)
    product = _locked_product(product_id)
    before = _before(product)
    changed = restore(product)
    db.session.commit()
    _log("product restored" if changed else "product was not hidden", product, request_id)
    return _moderation_state(product, changed, before)


# --- hiding and restoring (the writes; they flush, the endpoint commits) -------------------------------


def hide(product: Product, reason: str) -> bool:
    """Hide `product` from shoppers; the vendor sees `reason`. False when it was hidden with that reason.

    A listed product leaves the shop (product.removed, reason "hidden"). Product.listed is false while it
    is hidden, so the edit paths that check it (update_product, stock changes) do not list it again.
    """
    if product.hidden_at is not None and product.hidden_reason == reason:
        return False
    was_listed = product.listed
    now = utcnow()
    product.hidden_reason = reason
    product.hidden_at = product.hidden_at or now
    # A newer updated_at, so consumers keeping the newest state take the removal over the last upsert.
    product.updated_at = now
    db.session.flush()
    if was_listed:
        events.product_removed(product, reason="hidden")
    return True


def restore(product: Product) -> bool:
    """Clear a staff hide; the shop lists the product again if it is otherwise listable. False if not hidden."""
    if product.hidden_at is None:
        return False
    product.hidden_reason = None
    product.hidden_at = None
    product.updated_at = utcnow()
    db.session.flush()
    if product.listed:
        events.product_upserted(product)
    return True


# --- reading ------------------------------------------------------------------------------------------

_available = Variant.stock_on_hand - Variant.reserved
# Per product, over its active variants: prices and stock for the list and its filters.
_figures = (
    sa.select(
        Variant.product_id.label("product_id"),
        sa.func.min(Variant.price).label("price_min"),
        sa.func.max(Variant.price).label("price_max"),
        sa.func.sum(Variant.stock_on_hand).label("on_hand"),
        sa.func.sum(_available).label("available"),
        sa.func.min(_available).label("lowest_available"),
    )
    .where(Variant.is_active.is_(True))
    .group_by(Variant.product_id)
    .subquery("figures")
)
_available_total = sa.func.coalesce(_figures.c.available, 0)
_is_low = sa.func.coalesce(_figures.c.lowest_available <= Product.low_stock_threshold, sa.false())


def _search_query(*, filtered: bool = True) -> sa.Select:
    query = (
        sa.select(
            Product,
            Vendor.store_name,
            Vendor.status.label("vendor_status"),
            _figures.c.price_min,
            _figures.c.price_max,
            sa.func.coalesce(_figures.c.on_hand, 0).label("on_hand"),
            _available_total.label("available"),
            _is_low.label("low_stock"),
        )
        .join(Vendor, Vendor.id == Product.vendor_id)
        .outerjoin(_figures, _figures.c.product_id == Product.id)
        .order_by(Product.updated_at.desc(), Product.id.desc())  # ties keep a stable order across pages
    )
    if not filtered:
        return query
    args = request.args
    text = (args.get("q") or "").strip()
    if len(text) > QUERY_MAX:
        raise InvalidInput(f"q must be at most {QUERY_MAX} characters.", field="q")
    if text:
        pattern = f"%{escape_like(text)}%"
        has_sku = sa.exists().where(Variant.product_id == Product.id, Variant.sku.ilike(pattern, escape="\\"))
        query = query.where(
            sa.or_(Product.title.ilike(pattern, escape="\\"), Product.brand.ilike(pattern, escape="\\"), has_sku)
        )
    vendor_id = query_int("vendor_id", None, minimum=1)
    if vendor_id is not None:
        query = query.where(Product.vendor_id == vendor_id)
    category_id = query_int("category_id", None, minimum=1)
    if category_id is not None:
        query = query.where(Product.category_id == category_id)
    status = args.get("status") or None
    if status is not None:
        if status not in PRODUCT_STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(PRODUCT_STATUSES)}.", field="status")
        query = query.where(Product.status == status)
    stock = args.get("stock") or None
    if stock == "low":
        query = query.where(_is_low)
    elif stock == "out":
        query = query.where(_available_total <= 0)
    elif stock == "in":
        query = query.where(_available_total > 0)
    elif stock is not None:
        raise InvalidInput(f"stock must be one of {', '.join(STOCK_LEVELS)}.", field="stock")
    hidden = args.get("hidden") or None
    if hidden == "true":
        query = query.where(Product.hidden_at.is_not(None))
    elif hidden == "false":
        query = query.where(Product.hidden_at.is_(None))
    elif hidden is not None:
        raise InvalidInput("hidden must be true or false.", field="hidden")
    return query


def _row(row: sa.Row) -> dict[str, Any]:
    product: Product = row.Product
    return {
        "product_id": product.id,
        "vendor_id": product.vendor_id,
        "store_name": row.store_name,
        "title": product.title,
        "brand": product.brand,
        "status": product.status,
        "listed": product.status == "active" and product.hidden_at is None and row.vendor_status == "approved",
        "hidden_reason": product.hidden_reason,
        "hidden_at": _iso(product.hidden_at),
        "category_id": product.category_id,
        "price_min": str(row.price_min) if row.price_min is not None else None,
        "price_max": str(row.price_max) if row.price_max is not None else None,
        "currency": product.currency,
        "stock_total": int(row.on_hand),
        "available_total": int(row.available),
        "low_stock": bool(row.low_stock),
        "updated_at": _iso(product.updated_at),
    }


def _history(product: Product) -> list[dict[str, Any]]:
    entries = list(
        db.session.scalars(
            sa.select(StockAdjustment)
            .where(StockAdjustment.product_id == product.id)
            .order_by(StockAdjustment.created_at.desc(), StockAdjustment.id.desc())
            .limit(HISTORY_LIMIT)
        )
    )
    skus = {v.id: v.sku for v in product.variants}
    labels = actor_labels(entries)
    history = []
    for entry in entries:
        request_id, note = split_request_marker(entry.note)
        history.append(
            {
                "adjustment_id": entry.id,
                "variant_id": entry.variant_id,
                "sku": skus.get(entry.variant_id, ""),
                "delta": entry.delta,
                "reason": entry.reason,
                "note": note,
                "request_id": request_id,
                "actor": entry.actor,
                "actor_label": labels.get(entry.actor, entry.actor),
                "on_hand_after": entry.on_hand_after,
                "created_at": _iso(entry.created_at),
            }
        )
    return history


def split_request_marker(note: str | None) -> tuple[str | None, str | None]:
    """(request_id, the note without its marker) of a staff adjustment's note "[req:<id>] why"."""
    if not note or not note.startswith(REQUEST_MARKER) or "]" not in note:
        return None, note
    marker, _, rest = note.partition("]")
    return marker[len(REQUEST_MARKER) :], rest.strip() or None


def _before(product: Product) -> dict[str, Any]:
    return {"hidden_reason": product.hidden_reason, "listed": product.listed}


def _moderation_state(product: Product, changed: bool, before: dict[str, Any]) -> dict[str, Any]:
    return {
        "product_id": product.id,
        "vendor_id": product.vendor_id,
        "title": product.title,
        "status": product.status,
        "listed": product.listed,
        "hidden_reason": product.hidden_reason,
        "hidden_at": _iso(product.hidden_at),
        "changed": changed,
        "before": before,
    }


def _locked_product(product_id: int) -> Product:
    # Two staff actions on one product queue up here, so each sees the other's outcome.
    product = db.session.scalar(sa.select(Product).where(Product.id == product_id).with_for_update(of=Product))
    if product is None:
        raise NotFound(f"There is no product {product_id}.")
    return product


def _log(message: str, product: Product, request_id: str) -> None:
    log.info(
        message,
        extra={
            "product_id": product.id,
            "vendor_id": product.vendor_id,
            "hidden_reason": product.hidden_reason,
            "request_id": request_id,
            "caller": g.get("internal_caller"),
        },
    )


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return json_object(request.get_json(silent=True), schema)


def _text(body: dict[str, Any], name: str, max_length: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise InvalidInput(f"{name} must be text of 1 to {max_length} characters.", field=name)
    return value.strip()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
