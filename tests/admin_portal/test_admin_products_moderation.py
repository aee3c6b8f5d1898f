"""The moderation queue: products flagged by keywords when their product.upserted arrives, shoppers' reports
sent by the storefront, approving (flags cleared, audited) and hiding through the vendor portal."""

from __future__ import annotations

import html as html_lib

import pytest

from common_core.errors import PeerError
from common_core.internal.client import InternalClient
from tests.admin_portal.conftest import audit_entries, rows, token_of
from tests.admin_portal.test_admin_products import hide, list_product_fixture, vendor_product  # noqa: F401 - fixture

QUEUE = "/moderation"


def flags(platform, product_id: int | None = None) -> list:
    return rows(
        platform.admin,
        "SELECT product_id, kind, status, keywords, reason, reporter, report_id FROM moderation_flag "
        "WHERE CAST(:p AS integer) IS NULL OR product_id = :p ORDER BY id",
        p=product_id,
    )


def report(platform, body: dict, *, caller: str = "storefront") -> dict:
    """The storefront's signed report of a product (its "Report this product" button is future work)."""
    with platform.apps[caller].app_context():
        return InternalClient.for_peer("admin_portal", retries=0).post("/internal/moderation/reports", body)


def test_a_product_whose_text_has_a_keyword_waits_in_the_queue_until_approved(platform, signed_in, list_product):
    watch = list_product("Classic chronograph", description="A perfect REPLICA of the famous model.")
    list_product("Walnut headphone stand")
    manager = signed_in("catalogue_manager")

    [flag] = flags(platform)
    assert (flag.product_id, flag.kind, flag.status, flag.keywords) == (
        watch.product_id,
        "keyword",
        "open",
        ["replica"],
    )
    page = manager.get(QUEUE).get_data(as_text=True)
    assert "Classic chronograph" in page and "Walnut headphone stand" not in page
    menu = page.split('class="site-nav-main"', 1)[1].split("</div>", 1)[0]
    assert '<span class="badge badge-pending">1<span class="visually-hidden"> waiting for review</span>' in menu

    response = manager.post(f"/moderation/{watch.product_id}/approve", data={"csrf_token": token_of(manager)})

    assert response.status_code == 302
    assert [f.status for f in flags(platform)] == ["approved"]
    [entry] = audit_entries(platform.admin, "product")
    assert (entry.action, entry.object_id, entry.before["keywords"]) == (
        "moderation.approved",
        str(watch.product_id),
        ["replica"],
    )
    assert "Nothing to review" in manager.get(QUEUE).get_data(as_text=True)

    # The same text published again (here, after a restock announcement) is not flagged a second time.
    from vendor_portal.catalog import events as catalog_events
    from vendor_portal.catalog.models import Product
    from vendor_portal.extensions import db as vendor_db

    with platform.vendor.app_context():
        catalog_events.product_upserted(vendor_db.session.get(Product, watch.product_id))
        vendor_db.session.commit()
        vendor_db.session.remove()
    platform.drain()
    assert [f.status for f in flags(platform)] == ["approved"]


def test_hiding_from_the_queue_hides_it_in_the_vendor_portal_and_closes_its_flags(platform, signed_in, list_product):
    watch = list_product("Counterfeit designer wallet")
    manager = signed_in("catalogue_manager")

    response = hide(manager, watch.product_id, "Counterfeit goods", page_url=QUEUE, back="moderation")

    assert response.status_code == 302 and response.headers["Location"] == QUEUE
    assert vendor_product(platform, watch.product_id).hidden_reason == "Counterfeit goods"
    assert [f.status for f in flags(platform)] == ["hidden"]
    [entry] = audit_entries(platform.admin, "product")
    assert entry.action == "product.hidden" and entry.after["flags_closed"] == 1
    assert "is hidden from shoppers" in html_lib.unescape(manager.get(QUEUE).get_data(as_text=True))


def test_shoppers_reports_join_the_queue_once_per_report_id(platform, signed_in, list_product):
    stand = list_product("Walnut headphone stand")
    body = {"product_id": stand.product_id, "reason": "Arrived cracked and smells", "reporter": "customer:7"}

    first = report(platform, {**body, "report_id": "rep-1"})
    again = report(platform, {**body, "report_id": "rep-1"})
    other = report(platform, {**body, "reason": "Not walnut at all", "reporter": None})

    assert first["duplicate"] is False and again == {**first, "duplicate": True}
    assert other["flag_id"] != first["flag_id"]
    assert [(f.kind, f.status, f.reason) for f in flags(platform)] == [
        ("report", "open", "Arrived cracked and smells"),
        ("report", "open", "Not walnut at all"),
    ]
    page = html_lib.unescape(signed_in("owner").get(QUEUE).get_data(as_text=True))
    assert "Walnut headphone stand" in page and "Reported 2 times" in page and "“Not walnut at all”" in page


@pytest.mark.parametrize(
    ("caller", "body", "status"),
    [
        ("vendor_portal", {"product_id": 1, "reason": "x"}, 403),
        ("storefront", {"product_id": 1}, 422),
        ("storefront", {"product_id": "1", "reason": "x"}, 422),
        ("storefront", {"product_id": 1, "reason": "x", "extra": 1}, 422),
    ],
)
def test_reports_come_only_from_the_storefront_and_must_say_what_and_why(platform, caller, body, status):
    with pytest.raises(PeerError) as refused:
        report(platform, body, caller=caller)
    assert refused.value.status == status
    assert flags(platform) == []


def test_new_keywords_flag_listed_titles_at_once_and_later_descriptions(platform, signed_in, list_product):
    stand = list_product("Walnut headphone stand")
    manager = signed_in("catalogue_manager")
    assert flags(platform) == []

    response = manager.post(
        "/moderation/keywords", data={"csrf_token": token_of(manager), "keywords": "Walnut\nreplica, walnut\n"}
    )

    assert response.status_code == 302
    assert [(f.product_id, f.keywords) for f in flags(platform)] == [(stand.product_id, ["walnut"])]
    [entry] = audit_entries(platform.admin, "setting")
    assert entry.action == "moderation.keywords_changed" and entry.after["keywords"] == "walnut, replica"
    assert entry.after["products_flagged"] == 1

    tee = list_product("Organic tee", store="Loom Tees", description="Looks just like a replica designer tee.")
    assert [f.product_id for f in flags(platform)] == [stand.product_id, tee.product_id]

    too_short = manager.post("/moderation/keywords", data={"csrf_token": token_of(manager), "keywords": "x"})
    assert too_short.status_code == 422
    assert "each keyword needs 2 to 60 characters" in html_lib.unescape(too_short.get_data(as_text=True))


@pytest.mark.parametrize("role", ["support", "analyst"])
def test_only_catalogue_staff_may_approve_or_change_keywords(platform, signed_in, list_product, role):
    watch = list_product("Replica watch")
    client = signed_in(role)
    token = token_of(client)
    assert client.post(f"/moderation/{watch.product_id}/approve", data={"csrf_token": token}).status_code == 403
    assert client.post("/moderation/keywords", data={"csrf_token": token, "keywords": "x"}).status_code == 403
    assert [f.status for f in flags(platform)] == ["open"]
