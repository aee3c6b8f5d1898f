"""Vendors in the admin portal: a read model fed by the vendor portal's events, the approval queue, and
staff decisions made through the vendor portal's signed API, each audited."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from common_core.internal.client import InternalClient
from tests.admin_portal.conftest import audit_entries, rows, showing, token_of
from tests.conftest import csrf_from, submit

UNAVAILABLE = "The vendor portal is unavailable right now; nothing was changed."


def summary(admin, vendor_id: int):
    found = rows(admin, "SELECT * FROM vendor_summary WHERE vendor_id = :id", id=vendor_id)
    return found[0] if found else None


def vendor_side(platform, vendor_id: int) -> tuple[str, str | None]:
    """(status, reason) of the store in the vendor portal's own database."""
    row = rows(platform.vendor, "SELECT status, status_reason FROM vendor WHERE id = :id", id=vendor_id)[0]
    return row.status, row.status_reason


def decide(client, vendor_id: int, decision: str, reason: str = "", back: str = "detail"):
    """Press a decision button on the vendor's page, as a browser would."""
    return submit(
        client,
        f"/vendors/{vendor_id}",
        {"decision": decision, "reason": reason, "back": back},
        post_url=f"/vendors/{vendor_id}/decision",
    )


def send_vendor_event(platform, event_type: str, data: dict, occurred_at: datetime) -> str:
    """Deliver an event to the admin portal through its real signed /internal/events, as the relay does."""
    envelope = {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "version": 1,
        "occurred_at": occurred_at.isoformat(),
        "source": "vendor_portal",
        "request_id": None,
        "data": data,
    }
    with platform.vendor.app_context():
        return InternalClient.for_peer("admin_portal").post("/internal/events", envelope)["status"]


@pytest.fixture
def listed_vendors(platform):
    """Vendors known to the admin's read model (straight from events, no sign-up pages): name -> id."""

    def make(*specs: tuple[str, str, str]) -> dict[str, int]:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        ids = {}
        for n, (store_name, email, status) in enumerate(specs, start=1):
            data = {
                "vendor_id": 1000 + n,
                "store_name": store_name,
                "status": status,
                "email": email,
                "slug": store_name.lower().replace(" ", "-"),
                "created_at": (start + timedelta(days=n)).isoformat(),
            }
            assert send_vendor_event(platform, "vendor.upserted", data, start + timedelta(days=n)) == "applied"
            ids[store_name] = 1000 + n
        return ids

    return make


def test_a_new_store_reaches_the_read_model_and_waits_in_the_approval_queue(platform, signed_in, make_pending_vendor):
    vendor_id = make_pending_vendor("Acme Audio", "ada@acme.example")
    row = summary(platform.admin, vendor_id)
    assert (row.store_name, row.email, row.status, row.slug) == (
        "Acme Audio",
        "ada@acme.example",
        "pending",
        "acme-audio",
    )
    assert row.signed_up_at is not None and row.commission_rate == Decimal("10.00")

    manager = signed_in("catalogue_manager")
    html = manager.get("/vendors/queue").get_data(as_text=True)
    assert "<h1>Approval queue</h1>" in html and "Acme Audio" in html and "ada@acme.example" in html
    menu = html.split('class="site-nav-main"', 1)[1].split("</div>", 1)[0]
    assert '<span class="badge badge-pending">1<span class="visually-hidden"> waiting for approval</span>' in menu


def test_approving_a_pending_store_asks_the_vendor_portal_and_is_audited(platform, signed_in, make_pending_vendor):
    admin = platform.admin
    vendor_id = make_pending_vendor()
    manager = signed_in("catalogue_manager")

    response = decide(manager, vendor_id, "approve", back="queue")
    assert response.status_code == 302 and response.headers["Location"] == "/vendors/queue"
    assert vendor_side(platform, vendor_id) == ("approved", None)
    changes = rows(platform.vendor, "SELECT to_status, changed_by, request_id FROM vendor_status_change")
    assert [(c.to_status, c.changed_by) for c in changes] == [("approved", "admin_portal")]
    uuid.UUID(changes[0].request_id)  # a fresh uuid4 per staff action
    assert summary(admin, vendor_id).status == "approved"  # at once, before any event arrives

    entries = audit_entries(admin, "vendor")
    assert [(e.staff_email, e.action, e.object_id, e.before, e.after) for e in entries] == [
        (
            "catalogue_manager@example.com",
            "vendor.approved",
            str(vendor_id),
            {"status": "pending", "reason": None},
            {"status": "approved", "reason": None},
        )
    ]
    html = manager.get("/vendors/queue").get_data(as_text=True)
    assert "Acme Audio is approved and can publish products." in html
    assert "Nobody is waiting" in html

    platform.drain()  # the vendor portal's vendor.status_changed says the same again
    assert summary(admin, vendor_id).status == "approved"


def test_with_the_vendor_portal_down_approving_changes_nothing_and_says_so(platform, signed_in, make_pending_vendor):
    admin = platform.admin
    vendor_id = make_pending_vendor()
    manager = signed_in("owner")
    before = summary(admin, vendor_id)
    page = manager.get(f"/vendors/{vendor_id}").get_data(as_text=True)

    platform.adapters["vendor_portal"].down = True
    response = manager.post(
        f"/vendors/{vendor_id}/decision",
        data={"decision": "approve", "back": "detail", "csrf_token": csrf_from(page)},
    )
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert UNAVAILABLE in html and "<h1>Acme Audio</h1>" in html
    assert summary(admin, vendor_id) == before
    assert audit_entries(admin, "vendor") == []

    platform.adapters["vendor_portal"].down = False
    assert vendor_side(platform, vendor_id) == ("pending", None)
    assert decide(manager, vendor_id, "approve").status_code == 302
    assert vendor_side(platform, vendor_id) == ("approved", None)


def test_rejecting_needs_a_reason_which_the_vendor_portal_then_keeps(platform, signed_in, make_pending_vendor):
    admin = platform.admin
    vendor_id = make_pending_vendor()
    manager = signed_in("catalogue_manager")

    response = decide(manager, vendor_id, "reject", reason="   ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="reason-error"' in html and "Give the reason to reject; the vendor is shown it." in html
    assert vendor_side(platform, vendor_id) == ("pending", None)
    assert summary(admin, vendor_id).status == "pending" and audit_entries(admin, "vendor") == []

    response = decide(manager, vendor_id, "reject", reason="Photos are missing.")
    assert response.status_code == 302
    assert vendor_side(platform, vendor_id) == ("rejected", "Photos are missing.")
    row = summary(admin, vendor_id)
    assert (row.status, row.reason) == ("rejected", "Photos are missing.")
    assert audit_entries(admin, "vendor")[-1].after == {"status": "rejected", "reason": "Photos are missing."}


def test_suspending_needs_a_reason_and_reactivating_restores_the_store(platform, signed_in, make_pending_vendor):
    admin = platform.admin
    vendor_id = make_pending_vendor()
    manager = signed_in("owner")
    assert decide(manager, vendor_id, "approve").status_code == 302

    html = manager.get(f"/vendors/{vendor_id}").get_data(as_text=True)
    assert "Suspend Acme Audio" in html and "data-confirm=" in html and ">Approve<" not in html
    assert decide(manager, vendor_id, "suspend").status_code == 422
    assert vendor_side(platform, vendor_id) == ("approved", None)

    assert decide(manager, vendor_id, "suspend", reason="Unpaid fees.").status_code == 302
    assert vendor_side(platform, vendor_id) == ("suspended", "Unpaid fees.")
    assert decide(manager, vendor_id, "reactivate").status_code == 302
    assert vendor_side(platform, vendor_id)[0] == "approved"
    assert summary(admin, vendor_id).status == "approved"
    assert [e.action for e in audit_entries(admin, "vendor")] == [
        "vendor.approved",
        "vendor.suspended",
        "vendor.reactivated",
    ]
    platform.drain()
    assert summary(admin, vendor_id).status == "approved"


def test_a_decision_the_vendor_portal_refuses_shows_its_reason_and_records_nothing(
    platform, signed_in, make_pending_vendor
):
    vendor_id = make_pending_vendor()
    manager = signed_in("catalogue_manager")
    # A stale page offering "suspend" for a store that is still pending: the vendor portal says no (409).
    response = decide(manager, vendor_id, "suspend", reason="Too many returns.")
    assert response.status_code == 409
    assert "A pending store cannot become suspended." in response.get_data(as_text=True)
    assert vendor_side(platform, vendor_id) == ("pending", None)
    assert summary(platform.admin, vendor_id).status == "pending"
    assert audit_entries(platform.admin, "vendor") == []


def test_an_older_event_arriving_late_does_not_undo_a_newer_one(platform):
    admin = platform.admin
    t0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    approved = {"vendor_id": 7, "store_name": "Acme Audio", "status": "approved", "reason": None}
    signed_up = {
        "vendor_id": 7,
        "store_name": "Acme",
        "status": "pending",
        "email": "ada@acme.example",
        "slug": "acme",
        "created_at": t0.isoformat(),
    }
    assert send_vendor_event(platform, "vendor.status_changed", approved, t0 + timedelta(minutes=5)) == "applied"
    assert send_vendor_event(platform, "vendor.upserted", signed_up, t0) == "applied"
    row = summary(admin, 7)
    assert (row.store_name, row.status) == ("Acme Audio", "approved")  # the newer state stands
    assert (row.email, row.slug, row.signed_up_at) == ("ada@acme.example", "acme", t0)  # unknown facts filled in
    assert row.last_event_at == t0 + timedelta(minutes=5)

    suspended = {**approved, "status": "suspended", "reason": "Unpaid fees."}
    assert send_vendor_event(platform, "vendor.status_changed", suspended, t0 + timedelta(minutes=9)) == "applied"
    assert (summary(admin, 7).status, summary(admin, 7).reason) == ("suspended", "Unpaid fees.")


def test_vendor_list_filters_by_status_searches_name_or_email_sorts_and_pages(platform, signed_in, listed_vendors):
    listed_vendors(
        ("Acme Audio", "ada@acme.example", "approved"),
        ("Birch Books", "bo@birch.example", "pending"),
        ("Cedar Cycles", "cy@cedar.example", "suspended"),
        *((f"Shop {n:02d}", f"owner{n:02d}@shops.example", "approved") for n in range(1, 28)),
    )
    manager = signed_in("catalogue_manager")

    html = manager.get("/vendors?status=pending").get_data(as_text=True)
    assert "Birch Books" in html and "Acme Audio" not in html and showing(1, 1, 1) in html
    html = manager.get("/vendors?q=CEDAR.example").get_data(as_text=True)  # email, any case
    assert "Cedar Cycles" in html and "Birch Books" not in html
    html = manager.get("/vendors?q=birch").get_data(as_text=True)  # store name
    assert "Birch Books" in html and showing(1, 1, 1) in html
    html = manager.get("/vendors?q=nobody-here").get_data(as_text=True)
    assert "No vendors match" in html

    first = manager.get("/vendors?sort=store_name&dir=asc").get_data(as_text=True)
    assert showing(1, 25, 30) in first
    assert first.index("Acme Audio") < first.index("Birch Books") < first.index("Cedar Cycles")
    assert 'aria-sort="ascending"' in first and "Shop 27" not in first
    second = manager.get("/vendors?sort=store_name&dir=asc&page=2").get_data(as_text=True)
    assert showing(26, 30, 30) in second and "Shop 27" in second and "Acme Audio" not in second
    descending = manager.get("/vendors?sort=store_name&dir=desc").get_data(as_text=True)
    assert descending.index("Shop 27") < descending.index("Shop 26")

    response = manager.get("/vendors?status=closed")
    assert response.status_code == 422 and 'id="status-error"' in response.get_data(as_text=True)


def test_commission_rate_defaults_to_ten_percent_and_is_edited_with_two_decimals(platform, signed_in, listed_vendors):
    admin = platform.admin
    vendor_id = listed_vendors(("Acme Audio", "ada@acme.example", "approved"))["Acme Audio"]
    manager = signed_in("catalogue_manager")
    assert 'value="10.00"' in manager.get(f"/vendors/{vendor_id}").get_data(as_text=True)

    for bad, message in (
        ("101", "Enter a percentage from 0 to 100."),
        ("-1", "Enter a percentage from 0 to 100."),
        ("12.345", "Use at most two decimal places."),
        ("lots", "Enter a percentage such as 10 or 12.5."),
    ):
        response = submit(
            manager, f"/vendors/{vendor_id}", {"commission_rate": bad}, post_url=f"/vendors/{vendor_id}/commission"
        )
        assert response.status_code == 422, bad
        html = response.get_data(as_text=True)
        assert 'id="commission_rate-error"' in html and message in html and f'value="{bad}"' in html
    assert summary(admin, vendor_id).commission_rate == Decimal("10.00")

    response = submit(
        manager, f"/vendors/{vendor_id}", {"commission_rate": "12.5"}, post_url=f"/vendors/{vendor_id}/commission"
    )
    assert response.status_code == 302
    assert summary(admin, vendor_id).commission_rate == Decimal("12.50")
    entry = audit_entries(admin, "vendor")[-1]
    assert (entry.action, entry.before, entry.after) == (
        "vendor.commission_changed",
        {"commission_rate": "10.00"},
        {"commission_rate": "12.50"},
    )
    assert "12.50 %" in manager.get("/vendors").get_data(as_text=True)


def test_vendor_decisions_without_a_csrf_token_are_refused(platform, signed_in, make_pending_vendor):
    vendor_id = make_pending_vendor()
    manager = signed_in("catalogue_manager")
    response = manager.post(f"/vendors/{vendor_id}/decision", data={"decision": "approve"})
    assert response.status_code == 400
    assert vendor_side(platform, vendor_id) == ("pending", None)


@pytest.mark.parametrize("role", ["support", "analyst"])
def test_staff_without_a_catalogue_role_cannot_decide_on_vendors(platform, signed_in, make_pending_vendor, role):
    vendor_id = make_pending_vendor()
    client = signed_in(role)
    response = client.post(
        f"/vendors/{vendor_id}/decision", data={"decision": "approve", "csrf_token": token_of(client)}
    )
    assert response.status_code == 403
    assert vendor_side(platform, vendor_id) == ("pending", None)
    assert client.get(f"/vendors/{vendor_id}").status_code == 403
