"""Admin decisions on a store through the signed internal API: transitions, idempotency, and what shoppers lose."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from common_core.errors import PeerError
from common_core.internal.client import InternalClient
from tests.vendor_portal.conftest import outbox, press, sign_in, vendor_status_call


def event_types(app):
    return [event_type for event_type, _ in outbox(app)]


def refused(platform, vendor_id, body):
    """The status call's refusal (PeerError) for a body sent as is."""
    with platform.admin.app_context(), pytest.raises(PeerError) as error:
        InternalClient.for_peer("vendor_portal").post(f"/internal/vendors/{vendor_id}/status", body)
    return error.value


def test_an_unsigned_status_call_is_refused_with_401_and_changes_nothing(vendor, make_store):
    store = make_store()
    response = vendor.test_client().post(
        f"/internal/vendors/{store.vendor_id}/status", json={"status": "approved", "reason": None, "request_id": "r1"}
    )
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    assert event_types(vendor) == ["vendor.upserted"]


def test_only_the_admin_portal_may_decide_a_stores_status(platform, make_store):
    store = make_store()
    with platform.storefront.app_context(), pytest.raises(PeerError) as error:
        InternalClient.for_peer("vendor_portal").post(
            f"/internal/vendors/{store.vendor_id}/status", {"status": "approved", "request_id": "r1"}
        )
    assert error.value.status == 403


def test_approving_answers_the_store_and_announces_the_change(platform, vendor, make_store):
    store = make_store(store_name="Acme Audio")
    answer = vendor_status_call(platform, store.vendor_id, "approved", reason="Documents checked")
    assert answer == {
        "vendor_id": store.vendor_id,
        "store_name": "Acme Audio",
        "status": "approved",
        "reason": "Documents checked",
    }
    assert outbox(vendor)[-1] == (
        "vendor.status_changed",
        {"vendor_id": store.vendor_id, "store_name": "Acme Audio", "status": "approved", "reason": "Documents checked"},
    )
    assert "awaiting approval" not in store.client.get("/").get_data(as_text=True)


def test_setting_the_status_a_store_already_has_answers_it_and_records_nothing(platform, vendor, make_store):
    store = make_store("approved")
    before = outbox(vendor)
    answer = vendor_status_call(platform, store.vendor_id, "approved", reason="again")
    assert answer["status"] == "approved" and answer["reason"] is None  # the state it has, untouched
    assert outbox(vendor) == before


def test_a_repeated_request_id_gets_the_first_answer_even_after_a_later_decision(platform, vendor, make_store):
    store = make_store()
    first = vendor_status_call(platform, store.vendor_id, "approved", reason="ok", request_id="req-approve")
    vendor_status_call(platform, store.vendor_id, "suspended", reason="Late shipments", request_id="req-suspend")
    before = outbox(vendor)
    repeat = vendor_status_call(platform, store.vendor_id, "approved", reason="ok", request_id="req-approve")
    assert repeat == first
    assert outbox(vendor) == before
    assert vendor_status_call(platform, store.vendor_id, "suspended", request_id="x")["status"] == "suspended"


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("pending", "suspended"),
        ("approved", "rejected"),
        ("approved", "pending"),
        ("rejected", "suspended"),
        ("suspended", "rejected"),
    ],
)
def test_a_move_the_transition_table_does_not_allow_is_refused_with_409_json(
    platform, vendor, make_store, start, target
):
    store = make_store(start)
    before = outbox(vendor)
    error = refused(platform, store.vendor_id, {"status": target, "reason": "x", "request_id": "r-bad"})
    assert error.status == 409
    assert error.body["error"] == "invalid_transition"
    assert error.body["message"] == f"A {start} store cannot become {target}."
    assert outbox(vendor) == before


def test_an_unknown_vendor_is_a_404_json(platform):
    error = refused(platform, 999999, {"status": "approved", "request_id": "r1"})
    assert error.status == 404 and error.body["error"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "closed", "request_id": "r1"}, "status"),
        ({"request_id": "r1"}, "status"),
        ({"status": "approved"}, "request_id"),
        ({"status": "approved", "request_id": ""}, "request_id"),
        ({"status": "approved", "request_id": "r" * 65}, "request_id"),
        ({"status": "approved", "request_id": "r1", "reason": 42}, "reason"),
        ({"status": "approved", "request_id": "r1", "colour": "red"}, None),
        (["approved"], None),
    ],
)
def test_a_bad_status_body_is_refused_with_422_json(platform, vendor, make_store, body, field):
    store = make_store()
    error = refused(platform, store.vendor_id, body)
    assert error.status == 422 and error.body["error"] == "invalid"
    if field:
        assert error.body["details"]["field"] == field
    assert event_types(vendor) == ["vendor.upserted"]


def test_suspending_withdraws_the_stores_products_and_reactivating_brings_them_back(
    platform, vendor, make_store, make_product
):
    store = make_store("approved")
    listed = make_product(store, title="Listed stand")
    draft = make_product(store, title="Draft cable")
    press(store.client, f"/products/{listed}/edit", f"/products/{listed}/publish")

    vendor_status_call(platform, store.vendor_id, "suspended", reason="Unanswered customer complaints")
    events = outbox(vendor)
    assert events[-2][0] == "vendor.status_changed" and events[-2][1]["status"] == "suspended"
    event_type, data = events[-1]
    assert event_type == "product.removed" and data.pop("updated_at")
    assert data == {"product_id": listed, "vendor_id": store.vendor_id, "reason": "vendor_suspended"}
    with vendor.app_context():
        db = vendor.extensions["sqlalchemy"]
        statuses = dict(db.session.execute(sa.text("SELECT id, status FROM product")).all())
        db.session.remove()
    assert statuses == {listed: "active", draft: "draft"}  # its own status is kept for reactivation

    client = vendor.test_client()
    page = sign_in(client, store.email, follow_redirects=True).get_data(as_text=True)
    assert "Your store is suspended: Unanswered customer complaints" in page
    response = press(client, f"/products/{draft}/edit", f"/products/{draft}/publish")
    assert response.status_code == 403
    assert "Your store must be approved before you can publish products." in response.get_data(as_text=True)

    vendor_status_call(platform, store.vendor_id, "approved", reason="Complaints resolved")
    event_type, data = outbox(vendor)[-1]
    assert event_type == "product.upserted" and data["product_id"] == listed and data["status"] == "active"
    assert platform.drain() > 0


def test_a_rejected_store_can_sign_in_and_is_told_why(platform, vendor, make_store):
    store = make_store("rejected", reason="We could not verify your business address")
    page = sign_in(vendor.test_client(), store.email, follow_redirects=True).get_data(as_text=True)
    assert "Your store application was rejected: We could not verify your business address" in page


def test_the_admin_lists_vendors_by_status_oldest_first(platform, make_store):
    pending_one = make_store(store_name="First Pending", email="one@store.example")
    make_store("approved", store_name="Approved Store")
    pending_two = make_store(store_name="Second Pending")
    with platform.admin.app_context():
        client = InternalClient.for_peer("vendor_portal")
        answer = client.get("/internal/vendors", {"status": "pending"})
        everyone = client.get("/internal/vendors")
        with pytest.raises(PeerError) as error:
            client.get("/internal/vendors", {"status": "closed"})
    assert [v["vendor_id"] for v in answer["vendors"]] == [pending_one.vendor_id, pending_two.vendor_id]
    first = answer["vendors"][0]
    assert first["store_name"] == "First Pending" and first["email"] == "one@store.example"
    assert first["status"] == "pending" and first["reason"] is None and "T" in first["created_at"]
    assert len(everyone["vendors"]) == 3
    assert error.value.status == 422


def test_the_openapi_document_describes_the_vendor_endpoints(platform):
    with platform.admin.app_context():
        document = InternalClient.for_peer("vendor_portal").get("/internal/openapi.json")
    assert document["info"]["title"] == "Vendor portal internal API"
    status = document["paths"]["/internal/vendors/{vendor_id}/status"]["post"]
    request_schema = status["requestBody"]["content"]["application/json"]["schema"]
    assert request_schema["required"] == ["status", "request_id"]
    assert set(request_schema["properties"]["status"]["enum"]) == {"pending", "approved", "suspended", "rejected"}
    assert status["responses"]["200"]["content"]["application/json"]["schema"]["required"] == [
        "vendor_id",
        "store_name",
        "status",
        "reason",
    ]
    assert status["x-callers"] == ["admin_portal"]
    assert {"404", "409", "422"} <= set(status["responses"])
    listing = document["paths"]["/internal/vendors"]["get"]
    assert [p["name"] for p in listing["parameters"]] == ["status", "limit"]
