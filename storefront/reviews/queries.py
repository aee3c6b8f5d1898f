"""Reads of reviews: who may review a product, and a product's reviews as its page shows them."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, request
from flask_login import current_user

from common_core.errors import Conflict, NotAllowed
from storefront.catalog.models import Product
from storefront.catalog.queries import Page
from storefront.extensions import db
from storefront.orders.models import Order, OrderLine, OrderVendorPart
from storefront.reviews.forms import ReviewForm
from storefront.reviews.models import Review

PER_PAGE = 10

NOT_ELIGIBLE = "Only customers who have received this product can review it."
ALREADY_REVIEWED = "You have already reviewed this product."


def delivered_lines() -> sa.Select:
    """Order lines their customer has received: the vendor's part of the order was delivered and the
    line was not wholly cancelled. The one rule of who may review what."""
    return (
        sa.select(OrderLine.id, OrderLine.product_id, Order.customer_id)
        .join(Order, Order.id == OrderLine.order_id)
        .join(
            OrderVendorPart,
            sa.and_(OrderVendorPart.order_id == OrderLine.order_id, OrderVendorPart.vendor_id == OrderLine.vendor_id),
        )
        .where(
            Order.customer_id.is_not(None),
            OrderVendorPart.status == "delivered",
            OrderLine.cancelled_quantity < OrderLine.quantity,
        )
    )


def delivered_line_for(customer_id: int, product_id: int) -> str | None:
    """The id of the customer's first received order line of this product, if any."""
    lines = delivered_lines().subquery()
    return db.session.scalar(
        sa.select(lines.c.id)
        .where(lines.c.customer_id == customer_id, lines.c.product_id == product_id)
        .order_by(lines.c.id)
        .limit(1)
    )


def review_by(customer_id: int, product_id: int) -> Review | None:
    return db.session.scalar(
        sa.select(Review).where(Review.customer_id == customer_id, Review.product_id == product_id)
    )


def require_can_review(customer_id: int, product_id: int) -> str:
    """The order line a review would rest on; NotAllowed (403) or Conflict (409) saying why not."""
    line_id = delivered_line_for(customer_id, product_id)
    if line_id is None:
        raise NotAllowed(NOT_ELIGIBLE)
    if review_by(customer_id, product_id) is not None:
        raise Conflict(ALREADY_REVIEWED)
    return line_id


def reviews_page(product: Product, page: int) -> Page:
    """One page of a product's reviews, newest first. The total is the product's rating_count, which
    every review write keeps exact, so a product without reviews costs no query."""
    total = product.rating_count or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    items = (
        list(
            db.session.scalars(
                sa.select(Review)
                .where(Review.product_id == product.id)
                .order_by(Review.created_at.desc(), Review.id.desc())
                .limit(PER_PAGE)
                .offset((page - 1) * PER_PAGE)
            )
        )
        if total
        else []
    )
    return Page(items, page, total, PER_PAGE)  # type: ignore[arg-type]


@dataclass
class ReviewPanel:
    """What the product page shows about reviews to whoever is looking."""

    reviews: Page
    state: str  # guest | can_review | reviewed | not_eligible
    own: Review | None = None
    form: ReviewForm | None = None


def product_reviews(product: Product) -> ReviewPanel:
    """The reviews part of a product page (a template global), worked out once per request."""
    panels = g.setdefault("review_panels", {})
    if product.id not in panels:
        page = reviews_page(product, request.args.get("page", 1, type=int) or 1)
        if not current_user.is_authenticated:
            panels[product.id] = ReviewPanel(page, "guest")
        elif (own := review_by(current_user.id, product.id)) is not None:
            panels[product.id] = ReviewPanel(page, "reviewed", own=own)
        elif delivered_line_for(current_user.id, product.id) is not None:
            panels[product.id] = ReviewPanel(page, "can_review", form=ReviewForm(formdata=None))
        else:
            panels[product.id] = ReviewPanel(page, "not_eligible")
    return panels[product.id]
