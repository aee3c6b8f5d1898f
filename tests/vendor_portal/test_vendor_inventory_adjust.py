"""adjust_stock, the one way stock on hand changes outside checkout: checks, history and the shop's copy."""

from __future__ import annotations

import pytest

from common_core.errors import FieldError, InvalidInput
from tests.vendor_portal.conftest import outbox
from tests.vendor_portal.inventory_fixtures import (
    history,
    make_stocked_fixture,  # noqa: F401 - the make_stocked fixture
    reserve,
    variant_stock,
)


def adjust(app, variant_id, delta, **kwargs):
    """adjust_stock on a fresh session, committed as a request would; returns the new entry's on_hand_after."""
    from vendor_portal.catalog.models import Variant
    from vendor_portal.inventory.operations import adjust_stock

    kwargs.setdefault("reason", "correction")
    kwargs.setdefault("actor", "vendor_user:1")
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        try:
            entry = adjust_stock(db.session.get(Variant, variant_id), delta, **kwargs)
            db.session.commit()
            return entry.on_hand_after
        finally:
            db.session.remove()


def test_an_adjustment_changes_stock_and_appends_to_the_history(vendor, make_store, make_stocked):
    item = make_stocked(make_store().vendor_id, stock=4)

    adjust(vendor, item.variant_id, 6, reason="received", note="  Delivery 118  ", actor="vendor_user:7")
    adjust(vendor, item.variant_id, -2, reason="damaged")

    assert variant_stock(vendor, item.variant_id) == (8, 0)
    assert history(vendor, item.variant_id) == [
        (6, "received", 10, "vendor_user:7"),
        (-2, "damaged", 8, "vendor_user:1"),
    ]


def test_removing_more_than_is_in_stock_is_refused_with_the_numbers_and_changes_nothing(
    vendor, make_store, make_stocked
):
    item = make_stocked(make_store().vendor_id, stock=3)

    with pytest.raises(FieldError) as refused:
        adjust(vendor, item.variant_id, -5)

    assert refused.value.message == "Only 3 in stock; you cannot remove 5."
    assert refused.value.field == "delta"
    assert isinstance(refused.value, InvalidInput)
    assert variant_stock(vendor, item.variant_id) == (3, 0)
    assert history(vendor, item.variant_id) == []


def test_units_held_for_checkouts_cannot_be_removed(platform, vendor, make_store, make_stocked):
    item = make_stocked(make_store("approved").vendor_id, stock=5)
    reserve(platform, [(item.variant_id, 3)])

    with pytest.raises(FieldError) as refused:
        adjust(vendor, item.variant_id, -3)

    assert refused.value.message == (
        "Only 2 in stock; you cannot remove 3. Another 3 are held for checkouts in progress."
    )
    assert adjust(vendor, item.variant_id, -2) == 3
    assert variant_stock(vendor, item.variant_id) == (3, 3)


@pytest.mark.parametrize(
    ("delta", "reason", "message"),
    [
        (0, "correction", "Enter a number other than 0."),
        (-1, "received", "“Stock received” adds to your stock: enter a positive number, like 12."),
        (2, "damaged", "“Damaged or lost” takes stock away: enter a negative number, like -2."),
        (1, "sale", "“Sold” takes stock away"),
        (-1, "initial", "“Initial stock” adds to your stock"),
        (1_000_001, "received", "Enter a change of at most 1,000,000 units at a time."),
    ],
)
def test_a_change_that_does_not_fit_its_reason_is_refused(vendor, make_store, make_stocked, delta, reason, message):
    item = make_stocked(make_store().vendor_id, stock=3)

    with pytest.raises(FieldError) as refused:
        adjust(vendor, item.variant_id, delta, reason=reason)

    assert refused.value.message.startswith(message)
    assert variant_stock(vendor, item.variant_id) == (3, 0)


def test_an_unknown_reason_is_refused(vendor, make_store, make_stocked):
    item = make_stocked(make_store().vendor_id, stock=3)

    with pytest.raises(FieldError) as refused:
        adjust(vendor, item.variant_id, 1, reason="gift")

    assert refused.value.field == "reason"


def test_a_listed_products_stock_change_reaches_the_shop_and_a_drafts_does_not(vendor, make_store, make_stocked):
    store = make_store("approved")
    listed = make_stocked(store.vendor_id, stock=4)
    draft = make_stocked(store.vendor_id, stock=4, status="draft")

    adjust(vendor, listed.variant_id, 3, reason="received")
    adjust(vendor, draft.variant_id, 3, reason="received")

    changed = [data for kind, data in outbox(vendor) if kind == "stock.changed"]
    assert len(changed) == 1
    assert changed[0]["product_id"] == listed.product_id
    assert changed[0]["variant_id"] == listed.variant_id
    assert changed[0]["available"] == 7
    assert changed[0]["updated_at"]


def test_a_new_variant_receives_its_initial_stock_in_the_same_transaction(vendor, make_store, make_stocked):
    """How the catalogue gives a new variant its first stock: the variant need not be flushed yet."""
    from vendor_portal.catalog.models import Variant
    from vendor_portal.inventory.operations import adjust_stock

    item = make_stocked(make_store().vendor_id, stock=0)
    with vendor.app_context():
        db = vendor.extensions["sqlalchemy"]
        variant = Variant(product_id=item.product_id, vendor_id=item.vendor_id, sku="NEW-1", price=5, position=1)
        db.session.add(variant)
        adjust_stock(variant, 12, reason="initial", actor="vendor_user:1")
        db.session.commit()
        variant_id = variant.id
        db.session.remove()

    assert variant_stock(vendor, variant_id) == (12, 0)
    assert history(vendor, variant_id) == [(12, "initial", 12, "vendor_user:1")]
