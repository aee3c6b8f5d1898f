"""The category replica: built from admin_portal's events, newest news wins, retired categories not offered."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.conftest import submit
from tests.vendor_portal.catalog_fixtures import category, page, rows, send_event

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def replica(vendor):
    return [
        tuple(row)
        for row in rows(vendor, "SELECT id, name, slug, parent_id, position, retired FROM category ORDER BY id")
    ]


def optgroups(html: str) -> dict[str, list[str]]:
    select = html.split('id="category_id"', 1)[1].split("</select>", 1)[0]
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
    return {label: re.findall(r">([^<]+)</option>", body) for label, body in groups}


def test_category_events_build_the_replica(platform, vendor):
    assert send_event(platform, "category.upserted", category(1, "Audio"), occurred_at=NOW) == {"status": "applied"}
    send_event(platform, "category.upserted", category(2, "Headphones", parent_id=1), occurred_at=NOW)
    send_event(platform, "category.upserted", category(2, "Headphones & earbuds", 1, 2), occurred_at=NOW + timedelta(1))
    assert replica(vendor) == [
        (1, "Audio", "audio", None, 1, False),
        (2, "Headphones & earbuds", "headphones-and-earbuds", 1, 2, False),
    ]


def test_an_older_event_arriving_late_changes_nothing(platform, vendor):
    send_event(platform, "category.upserted", category(2, "Headphones"), occurred_at=NOW)
    send_event(platform, "category.retired", {"category_id": 2}, occurred_at=NOW + timedelta(minutes=5))
    send_event(platform, "category.upserted", category(2, "Old name"), occurred_at=NOW - timedelta(minutes=5))
    assert replica(vendor) == [(2, "Headphones", "headphones", None, 1, True)]


def test_a_retirement_arriving_before_the_category_keeps_it_retired(platform, vendor):
    send_event(platform, "category.retired", {"category_id": 7}, occurred_at=NOW)
    send_event(platform, "category.upserted", category(7, "Fax machines"), occurred_at=NOW - timedelta(hours=1))
    [(category_id, *_, retired)] = replica(vendor)
    assert (category_id, retired) == (7, True)


def test_the_category_select_groups_live_categories_under_their_top_level(platform, vendor, make_store):
    for data in (
        category(1, "Audio", position=1),
        category(2, "Headphones", 1, 1),
        category(3, "Speakers", 1, 2),
        category(4, "Fax machines", 1, 3),
        category(5, "Books", position=2),
        category(6, "Garden", position=3),
        category(7, "Hoses", 6, 1),
    ):
        send_event(platform, "category.upserted", data, occurred_at=NOW)
    send_event(platform, "category.retired", {"category_id": 4}, occurred_at=NOW + timedelta(1))
    send_event(platform, "category.retired", {"category_id": 6}, occurred_at=NOW + timedelta(1))

    html = page(make_store(), "/products/new")
    assert optgroups(html) == {"Audio": ["Headphones", "Speakers"], "Books": ["Books"]}
    assert "Fax machines" not in html and "Hoses" not in html  # retired, or under a retired parent


def test_a_product_is_filed_in_a_category_and_found_by_it(platform, vendor, make_store, make_product):
    send_event(platform, "category.upserted", category(1, "Audio"), occurred_at=NOW)
    send_event(platform, "category.upserted", category(2, "Headphones", 1), occurred_at=NOW)
    send_event(platform, "category.upserted", category(3, "Speakers", 1, 2), occurred_at=NOW)
    store = make_store()
    make_product(store, title="Studio headphones", category_id="2")
    make_product(store, title="Bookshelf speakers", category_id="3")
    assert [tuple(r) for r in rows(vendor, "SELECT title, category_id FROM product ORDER BY id")] == [
        ("Studio headphones", 2),
        ("Bookshelf speakers", 3),
    ]
    listed = page(store, "/products?category=3")
    assert "Bookshelf speakers" in listed and "Studio headphones" not in listed
    assert "Audio / Speakers" in listed


def test_a_retired_or_unknown_category_cannot_be_chosen(platform, vendor, make_store):
    send_event(platform, "category.upserted", category(1, "Audio"), occurred_at=NOW)
    send_event(platform, "category.retired", {"category_id": 1}, occurred_at=NOW + timedelta(1))
    store = make_store()
    for value in ("1", "99", "abc"):
        response = submit(store.client, "/products/new", {"title": "Stand", "price": "5", "category_id": value})
        assert response.status_code == 422
        assert "Choose a category from the list." in response.get_data(as_text=True)
    assert rows(vendor, "SELECT id FROM product") == []
