"""Reviews on the product page: only customers who received the product, once each, shown newest first,
with the product's average and count kept on the catalogue copy (so cards show them too)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest

from storefront.account.models import Customer
from storefront.reviews import operations
from tests.conftest import run_together
from tests.storefront.profile_fixtures import customer_id, make_customer, order_with, post_form, scalar, sign_up, sql

PAGE = "/p/1-wireless-headphones"
GOOD = {"rating": "4", "body": "Clear sound and the battery lasts all week."}


@pytest.fixture
def headphones(shop):
    shop.product(1, title="Wireless Headphones", price="99.00")
    return shop


@pytest.fixture
def buyer(storefront, headphones):
    """Ada, signed in, whose order of the headphones was delivered."""
    client = sign_up(storefront)
    order_with(storefront, customer_id(storefront), 1, part_status="delivered")
    return client


def review(client, data=GOOD, **kw):
    return post_form(client, PAGE, "/p/1/reviews", data, **kw)


def reviews_section(html: str) -> str:
    return html.split('<section id="reviews"', 1)[1].split("</section>", 1)[0]


def product_rating(app) -> tuple:
    return tuple(sql(app, "SELECT rating_avg, rating_count FROM product WHERE id = 1")[0])


def test_a_guest_is_told_who_can_review(storefront, headphones):
    html = reviews_section(storefront.test_client().get(PAGE).get_data(as_text=True))

    assert "No reviews yet." in html
    assert "customers who received this product" in html and "/account/signin?next=/p/1/reviews" in html
    assert "<form" not in html


def test_a_customer_who_has_not_received_it_sees_no_form_and_cannot_post(storefront, headphones):
    client = sign_up(storefront)
    order_with(storefront, customer_id(storefront), 1, part_status="shipped")  # on its way, not received

    html = reviews_section(client.get(PAGE).get_data(as_text=True))
    assert "Only customers who have received this product can review it." in html and "<form" not in html
    response = review(client)
    assert response.status_code == 403
    assert "Only customers who have received this product can review it." in response.get_data(as_text=True)
    assert scalar(storefront, "SELECT count(*) FROM review") == 0


def test_a_wholly_cancelled_line_does_not_count_as_received(storefront, headphones):
    client = sign_up(storefront)
    order_with(storefront, customer_id(storefront), 1, part_status="delivered", cancelled=True)

    assert review(client).status_code == 403


def test_another_customers_delivery_does_not_make_one_eligible(storefront, headphones):
    order_with(storefront, make_customer(storefront, "Grace Hopper"), 1)
    client = sign_up(storefront)

    assert review(client).status_code == 403


def test_the_form_offers_labelled_ratings_and_a_text_box(storefront, buyer):
    html = reviews_section(buyer.get(PAGE).get_data(as_text=True))

    assert '<legend class="field-label">Your rating</legend>' in html
    for stars in range(1, 6):
        assert re.search(rf'<input[^>]*id="rating-{stars - 1}"[^>]*value="{stars}"', html)
    assert '<label for="rating-4">5 stars: excellent</label>' in html
    assert '<label class="field-label" for="body">Your review</label>' in html


def test_an_eligible_customer_reviews_once_and_sees_it_first(storefront, buyer):
    response = review(buyer)
    assert response.status_code == 302 and response.headers["Location"] == PAGE + "#reviews"

    html = reviews_section(buyer.get(PAGE).get_data(as_text=True))
    assert "Rated 4.0 out of 5 from 1 review." in html
    assert "By Ada L. on" in html and "Clear sound and the battery lasts all week." in html
    assert "You reviewed this product on" in html and "<form" not in html

    again = review(buyer, {"rating": "1", "body": "Changed my mind about these."})
    assert again.status_code == 409 and "already reviewed" in again.get_data(as_text=True)
    assert sql(storefront, "SELECT rating, author_name FROM review") == [(4, "Ada L.")]


def test_bad_review_keeps_what_was_typed_and_says_what_is_wrong(storefront, buyer):
    response = review(buyer, {"body": "Too short"})

    assert response.status_code == 422
    html = reviews_section(response.get_data(as_text=True))
    assert 'id="rating-error"' in html and "Choose a rating" in html
    assert 'id="body-error"' in html and "between 10 and 2000 characters" in html
    assert "\nToo short</textarea>" in html
    too_long = review(buyer, {"rating": "5", "body": "x" * 2001})
    assert too_long.status_code == 422 and 'id="body-error"' in too_long.get_data(as_text=True)
    assert review(buyer, {"rating": "6", "body": "A rating out of range."}).status_code == 422
    assert scalar(storefront, "SELECT count(*) FROM review") == 0


def test_review_text_is_shown_as_text_never_run(storefront, buyer):
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)> Great, really.'
    review(buyer, {"rating": "5", "body": attack})

    html = buyer.get(PAGE).get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; Great, really." in html


def test_average_and_count_reach_the_product_card(storefront, buyer, headphones):
    review(buyer, {"rating": "5", "body": "Superb, the best I have owned."})
    grace = sign_up(storefront, "grace@example.com", "Grace Hopper")
    order_with(storefront, customer_id(storefront, "grace@example.com"), 1)
    review(grace, {"rating": "2", "body": "The headband broke in a month."})

    assert product_rating(storefront) == (Decimal("3.50"), 2)
    card = storefront.test_client().get("/search").get_data(as_text=True)
    assert "3.5 out of 5" in card and "(2 reviews)" in card
    page = storefront.test_client().get(PAGE).get_data(as_text=True)
    assert "Rated 3.5 out of 5 from 2 reviews." in page
    assert page.index("Grace H.") < page.index("Ada L.")  # newest first


def test_reviews_are_paginated_ten_to_a_page(storefront, headphones):
    for n in range(12):
        cid = make_customer(storefront, f"Reviewer Number{n:02d}", f"r{n}@example.com")
        order_with(storefront, cid, 1)
        with storefront.app_context():
            db = storefront.extensions["sqlalchemy"]
            operations.write_review(db.session.get(Customer, cid), 1, 5, f"Review number {n:02d} of twelve.")
            db.session.commit()

    first = reviews_section(storefront.test_client().get(PAGE).get_data(as_text=True))
    second = reviews_section(storefront.test_client().get(PAGE + "?page=2").get_data(as_text=True))
    assert first.count("<article") == 10 and second.count("<article") == 2
    assert "Review number 11 of twelve." in first and "Review number 00 of twelve." in second
    assert 'aria-label="Review pages"' in first and re.search(r"Showing 1.10 of 12", first)
    assert storefront.test_client().get("/p/1/reviews?page=2").headers["Location"] == PAGE + "?page=2#reviews"


def test_reviews_of_one_product_written_at_once_are_all_counted(storefront, headphones):
    ratings = [5, 4, 3, 5, 1, 2]
    ids = []
    for n, _ in enumerate(ratings):
        cid = make_customer(storefront, f"Parallel Person{n}", f"p{n}@example.com")
        order_with(storefront, cid, 1)
        ids.append(cid)

    def writer(cid: int, rating: int) -> Callable[[], None]:
        def write() -> None:
            with storefront.app_context():
                db = storefront.extensions["sqlalchemy"]
                operations.write_review(
                    db.session.get(Customer, cid), 1, rating, "Written at the same moment as others."
                )
                db.session.commit()
                db.session.remove()

        return write

    run_together([writer(cid, rating) for cid, rating in zip(ids, ratings, strict=True)])
    assert product_rating(storefront) == (Decimal(sum(ratings) / len(ratings)).quantize(Decimal("0.01")), 6)


def test_demo_reviews_cover_some_delivered_lines_once_and_can_be_seeded_again(storefront, headphones):
    headphones.product(2, title="Speaker")
    for n in range(30):
        cid = make_customer(storefront, f"Demo Shopper{n}", f"d{n}@example.com")
        order_with(storefront, cid, 1)
        order_with(storefront, cid, 1)  # bought twice: still one review
        order_with(storefront, cid, 2, part_status="shipped")  # not received: never reviewed

    with storefront.app_context():
        first = operations.seed_reviews()
        storefront.extensions["sqlalchemy"].session.commit()
    with storefront.app_context():
        second = operations.seed_reviews()
        storefront.extensions["sqlalchemy"].session.commit()

    assert 4 <= first <= 22 and second == 0
    rows = sql(
        storefront, "SELECT product_id, count(*), count(DISTINCT customer_id), avg(rating) FROM review GROUP BY 1"
    )
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, first, first)]
    assert rows[0][3] >= 3  # skewed positive
    assert product_rating(storefront)[1] == first
