"""Writes of reviews: a customer's review of a product they received, and the demo's reviews.

Every write keeps the catalogue copy's product.rating_avg and rating_count exact, in the same
transaction, so cards, search facets and sorting see a review as soon as it is committed.
Operations flush; the request (or command) commits.
"""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from common_core.db import utcnow
from common_core.errors import Conflict, FieldError, NotFound
from storefront.account.models import Customer
from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.orders.models import Order, OrderLine, OrderVendorPart
from storefront.reviews.forms import BODY_MAX, BODY_MIN
from storefront.reviews.models import Review
from storefront.reviews.queries import ALREADY_REVIEWED, delivered_lines, require_can_review


def author_name(full_name: str) -> str:
    """What a review shows of its author: first name and the initial of the last ("Ada L.")."""
    parts = full_name.split()
    if not parts:
        return "A customer"
    return f"{parts[0]} {parts[-1][0].upper()}." if len(parts) > 1 else parts[0]


def write_review(customer: Customer, product_id: int, rating: int, body: str) -> Review:
    """Publish the customer's one review of a product they received."""
    # Reviews of one product queue up on its row, so each refresh of the average counts every review.
    product = db.session.scalar(sa.select(Product).where(Product.id == product_id).with_for_update())
    if product is None or not product.listed:
        raise NotFound("This product is not in the shop any more.")
    if rating not in range(1, 6):
        raise FieldError("rating", "Choose a rating from 1 to 5 stars.")
    body = body.strip()
    if not BODY_MIN <= len(body) <= BODY_MAX:
        raise FieldError("body", f"Write between {BODY_MIN} and {BODY_MAX} characters.")
    line_id = require_can_review(customer.id, product_id)
    review = Review(
        product_id=product_id,
        customer_id=customer.id,
        order_line_id=line_id,
        author_name=author_name(customer.name),
        rating=rating,
        body=body,
    )
    try:
        with db.session.begin_nested():  # the unique constraint settles a double submit
            db.session.add(review)
            db.session.flush()
    except IntegrityError:
        raise Conflict(ALREADY_REVIEWED) from None
    refresh_rating(product)
    return review


def refresh_rating(product: Product) -> None:
    """Recount a product's average rating and number of reviews from its reviews."""
    average, count = db.session.execute(
        sa.select(sa.func.round(sa.func.avg(Review.rating), 2), sa.func.count(Review.id)).where(
            Review.product_id == product.id
        )
    ).one()
    product.rating_avg = average
    product.rating_count = count
    db.session.flush()


# ---- demo ---------------------------------------------------------------------------------------

DEMO_SHARE = 0.4  # of received lines that get a review
DEMO_RATINGS = ((5, 46), (4, 30), (3, 13), (2, 6), (1, 5))  # skewed positive, as real shops are
DEMO_TEXTS: dict[int, tuple[str, ...]] = {
    5: (
        "Exactly as described and it arrived well packed, two days earlier than promised. Really happy with it.",
        "Lovely quality for the price. I have already recommended the shop to two friends.",
        "I use it every day now. Solid, well made and it looks even better than in the photos.",
        "Second time I have ordered from this store and again everything was perfect. Five stars.",
        "Bought it as a gift and it went down a treat. Nicely finished, nothing cheap about it.",
        "Does what it says, feels sturdy, and the seller answered my question within the hour.",
    ),
    4: (
        "Very good overall. Took a little longer to arrive than I hoped, but the product itself is great.",
        "Good quality and works well. The colour is a shade darker than on my screen, which I don't mind.",
        "Happy with it. The instructions could be clearer, but it was easy enough to figure out.",
        "Well made and good value. I'd give five stars if the packaging used a bit less plastic.",
        "Does the job nicely. A little smaller than I expected, so do check the measurements.",
    ),
    3: (
        "It's fine. Nothing special, but nothing wrong with it either for the price.",
        "Decent, though the finish is not as smooth as the photos suggest. It works as it should.",
        "Average. It arrived quickly, but I expected it to feel a bit more solid.",
    ),
    2: (
        "Disappointed. It works, but one part came slightly loose after a couple of weeks.",
        "Not really what I expected from the description. The seller was helpful when I asked, though.",
    ),
    1: (
        "Unfortunately it stopped working after a few days. I have asked the seller for a replacement.",
        "Arrived with a scratch on the front and smaller than described. Would not buy again.",
    ),
}


def seed_reviews(share: float = DEMO_SHARE) -> int:
    """Demo reviews for about `share` of the products customers received, one per customer and product; returns how
    many were written. Idempotent: each customer and product pair is picked by a generator seeded with
    their ids, so running again picks the same pairs, and pairs already reviewed are skipped. The caller
    commits."""
    rows = db.session.execute(
        delivered_lines()
        .add_columns(Customer.name, OrderVendorPart.updated_at.label("delivered_at"))
        .join(Customer, Customer.id == Order.customer_id)
        .where(~sa.exists().where(Review.product_id == OrderLine.product_id, Review.customer_id == Order.customer_id))
        .order_by(Order.customer_id, OrderLine.product_id, OrderLine.id)
    ).all()
    # Only products the shop knows: a review's rating lands on the catalogue copy's row.
    known = set(db.session.scalars(sa.select(Product.id).where(Product.id.in_({row.product_id for row in rows}))))
    seen: set[tuple[int, int]] = set()
    now = utcnow()
    values = []
    for row in rows:
        pair = (row.customer_id, row.product_id)
        if pair in seen or row.product_id not in known:
            continue
        seen.add(pair)  # one chance per customer and product, on their first received line
        pick = random.Random(f"review:{row.customer_id}:{row.product_id}")  # demo data, chosen reproducibly
        if pick.random() >= share:
            continue
        rating = pick.choices([r for r, _ in DEMO_RATINGS], weights=[w for _, w in DEMO_RATINGS])[0]
        values.append(
            {
                "product_id": row.product_id,
                "customer_id": row.customer_id,
                "order_line_id": row.id,
                "author_name": author_name(row.name),
                "rating": rating,
                "body": pick.choice(DEMO_TEXTS[rating]),
                # A few days after delivery, never in the future.
                "created_at": min(now, row.delivered_at + timedelta(hours=pick.randint(6, 240))),
            }
        )
    if values:
        db.session.execute(insert(Review).values(values).on_conflict_do_nothing())
        for product in db.session.scalars(sa.select(Product).where(Product.id.in_({v["product_id"] for v in values}))):
            refresh_rating(product)
    return len(values)
