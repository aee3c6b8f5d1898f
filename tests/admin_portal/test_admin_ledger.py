"""The commission ledger: sales and commission from orders, reversals from refunds, payouts by owners only."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from admin_portal.extensions import db
from tests.admin_portal.conftest import audit_entries, deliver, order_data, rows, token_of, vendor_known
from tests.admin_portal.test_admin_pages import assert_well_formed
from tests.conftest import submit

PLACED = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def entries(platform, vendor_id: int | None = None) -> list[tuple[str, Decimal]]:
    found = rows(
        platform.admin,
        "SELECT kind, amount FROM ledger_entry WHERE CAST(:v AS integer) IS NULL OR vendor_id = :v ORDER BY id",
        v=vendor_id,
    )
    return [(r.kind, r.amount) for r in found]


def balance(platform, vendor_id: int) -> Decimal:
    return sum((amount for _, amount in entries(platform, vendor_id)), Decimal(0))


def refund(order: dict, refund_id: str, amount: str, lines: list[tuple[int, str]] | None = None) -> dict:
    data = {
        "order_id": order["order_id"],
        "number": order["number"],
        "refund_id": refund_id,
        "amount": amount,
        "currency": "EUR",
        "reason": "returned",
    }
    if lines is not None:
        data["lines"] = [{"line_id": order["lines"][n]["line_id"], "amount": a} for n, a in lines]
    return data


@pytest.fixture
def sold(platform):
    """Acme Audio (12.5 % commission) sold 90.00 of goods in one order: 78.75 is owed to it."""
    vendor_known(platform, 7, "Acme Audio", commission="12.50")
    order = order_data(PLACED, [(7, 1, 1, "90.00")], shipping="5.00")
    deliver(platform, "order.placed", order)
    return order


def test_a_sale_credits_the_vendor_and_debits_commission_at_its_rate_rounded_half_up(platform):
    vendor_known(platform, 7, "Acme Audio", commission="12.50")
    vendor_known(platform, 8, "Book Nook")  # the default 10 %
    deliver(platform, "order.placed", order_data(PLACED, [(7, 1, 1, "10.05"), (8, 2, 3, "3.33")], shipping="4.00"))
    # 10.05 x 12.5 % = 1.25625 -> 1.26; 9.99 x 10 % = 0.999 -> 1.00. Shipping is not the vendors'.
    assert entries(platform, 7) == [("sale", Decimal("10.05")), ("commission", Decimal("-1.26"))]
    assert entries(platform, 8) == [("sale", Decimal("9.99")), ("commission", Decimal("-1.00"))]
    rates = rows(
        platform.admin, "SELECT commission_rate FROM ledger_entry WHERE kind = 'commission' ORDER BY vendor_id"
    )
    assert [r.commission_rate for r in rates] == [Decimal("12.50"), Decimal("10.00")]


def test_a_later_change_of_rate_does_not_touch_commission_already_taken(platform, sold):
    with platform.admin.app_context():
        db.session.execute(sa.text("UPDATE vendor_summary SET commission_rate = 30 WHERE vendor_id = 7"))
        db.session.commit()
    assert entries(platform, 7) == [("sale", Decimal("90.00")), ("commission", Decimal("-11.25"))]


def test_a_refund_reverses_the_sale_and_the_same_share_of_commission_to_the_cent(platform):
    vendor_known(platform, 7, "Acme Audio", commission="12.50")
    order = order_data(PLACED, [(7, 1, 1, "99.99")])
    deliver(platform, "order.placed", order)  # commission 12.49875 -> 12.50
    deliver(platform, "order.refunded", refund(order, "rf-1", "33.33", [(0, "33.33")]))
    # A third refunded: a third of the commission comes back (4.1666 -> 4.17).
    assert entries(platform, 7)[2:] == [("refund", Decimal("-33.33")), ("commission_refund", Decimal("4.17"))]
    deliver(platform, "order.refunded", refund(order, "rf-2", "66.66", [(0, "66.66")]))
    # The rest: exactly the commission still held comes back, no cent lost to rounding.
    assert entries(platform, 7)[4:] == [("refund", Decimal("-66.66")), ("commission_refund", Decimal("8.33"))]
    assert balance(platform, 7) == Decimal("0.00")


def test_a_whole_order_refund_is_shared_over_the_vendors_and_leaves_shipping_out(platform):
    vendor_known(platform, 7, "Acme Audio")
    vendor_known(platform, 8, "Book Nook")
    order = order_data(PLACED, [(7, 1, 1, "60.00"), (8, 2, 1, "40.00")], shipping="5.00")
    deliver(platform, "order.placed", order)
    deliver(platform, "order.refunded", refund(order, "rf-all", "105.00"))
    assert balance(platform, 7) == balance(platform, 8) == Decimal("0.00")
    assert entries(platform, 7)[2:] == [("refund", Decimal("-60.00")), ("commission_refund", Decimal("6.00"))]


def test_the_same_refund_sent_again_reverses_nothing_more(platform, sold):
    deliver(platform, "order.refunded", refund(sold, "rf-1", "30.00", [(0, "30.00")]))
    deliver(platform, "order.refunded", refund(sold, "rf-1", "30.00", [(0, "30.00")]))
    assert [kind for kind, _ in entries(platform, 7)].count("refund") == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entry SET amount = 1000 WHERE kind = 'sale'",
        "DELETE FROM ledger_entry WHERE kind = 'commission'",
    ],
)
def test_ledger_rows_cannot_be_changed_or_deleted_even_with_raw_sql(platform, sold, statement):
    with platform.admin.app_context():
        engine = db.engine
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text(statement))
    assert entries(platform, 7) == [("sale", Decimal("90.00")), ("commission", Decimal("-11.25"))]


def test_balances_page_lists_what_is_owed_and_analysts_see_no_payout_form(platform, sold, signed_in):
    analyst = signed_in("analyst")
    html = analyst.get("/ledger").get_data(as_text=True)
    assert "Acme Audio" in html and "78.75" in html
    assert_well_formed(html)
    html = analyst.get("/ledger/vendors/7").get_data(as_text=True)
    assert "Record a payout" not in html and "Commission" in html and "-11.25 EUR" in html
    assert_well_formed(html)


def test_an_owner_records_a_payout_after_confirming_it_and_it_is_audited(platform, sold, signed_in):
    owner = signed_in("owner")
    page = owner.get("/ledger/vendors/7").get_data(as_text=True)
    assert_well_formed(page)
    form = {"amount": "50.00", "currency": "EUR", "reference": "SEPA 2026-03-31"}
    review = submit(owner, "/ledger/vendors/7", form, post_url="/ledger/vendors/7/payout")
    assert review.status_code == 200
    assert "Record a payout of 50.00 EUR to Acme Audio?" in review.get_data(as_text=True)
    assert_well_formed(review.get_data(as_text=True))
    assert balance(platform, 7) == Decimal("78.75")  # nothing recorded before the confirmation

    done = submit(owner, "/ledger/vendors/7", {**form, "confirmed": "yes"}, post_url="/ledger/vendors/7/payout")
    assert done.status_code == 302
    assert balance(platform, 7) == Decimal("28.75")
    assert (
        rows(platform.admin, "SELECT reference FROM ledger_entry WHERE kind = 'payout'")[0].reference
        == "SEPA 2026-03-31"
    )
    audit = audit_entries(platform.admin, "vendor")[-1]
    assert audit.action == "ledger.payout_recorded" and audit.staff_email == "owner@example.com"
    assert audit.after["payout"] == "50.00" and audit.after["balance_owed"] == "28.75"


def test_a_payout_above_the_balance_owed_is_refused_with_the_amount_owed(platform, sold, signed_in):
    owner = signed_in("owner")
    response = submit(
        owner,
        "/ledger/vendors/7",
        {"amount": "80.00", "currency": "EUR", "reference": "too much", "confirmed": "yes"},
        post_url="/ledger/vendors/7/payout",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "That is more than the 78.75 EUR owed to Acme Audio. Enter at most 78.75." in html
    assert 'id="amount-error"' in html
    assert_well_formed(html)
    assert "payout" not in [kind for kind, _ in entries(platform, 7)]


@pytest.mark.parametrize(
    ("amount", "message"),
    [("0", "more than zero"), ("-5", "more than zero"), ("1.234", "two decimal places"), ("lots", "such as 125.50")],
)
def test_a_payout_amount_must_be_a_positive_sum_of_money(platform, sold, signed_in, amount, message):
    response = submit(
        signed_in("owner"),
        "/ledger/vendors/7",
        {"amount": amount, "currency": "EUR", "reference": "x"},
        post_url="/ledger/vendors/7/payout",
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_an_analyst_cannot_record_a_payout_even_by_posting_directly(platform, sold, signed_in):
    analyst = signed_in("analyst")
    response = analyst.post(
        "/ledger/vendors/7/payout",
        data={
            "amount": "10.00",
            "currency": "EUR",
            "reference": "sneaky",
            "confirmed": "yes",
            "csrf_token": token_of(analyst),
        },
    )
    assert response.status_code == 403
    assert balance(platform, 7) == Decimal("78.75")


def test_an_unknown_vendor_has_no_ledger_page(signed_in):
    assert signed_in("owner").get("/ledger/vendors/999").status_code == 404
