"""A Hypothesis state machine drives a signed-in shopper's cart through the storefront's real pages: adds,
quantity changes (including nonsense: negative, zero, huge, not numbers) and removals, while the store
receives and writes off stock behind the shopper's back.

Invariants after every step: no line holds zero or fewer units; the cart's total is the sum of its
orderable lines, each a Decimal with two places; what the pages did matches the documented rules (a
refused change changes nothing). After every view of the cart: no orderable line holds more than is
available, and the page shows the total.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from tests.conftest import csrf_from
from tests.security.world import (
    create_product,
    customer_sign_up,
    post_with_token,
    publish,
    scalar,
    sql,
    vendor_sign_up,
    vendor_status,
)

MAX_QUANTITY = 99
QUANTITIES = st.one_of(
    st.integers(min_value=-3, max_value=12),
    st.sampled_from([0, 99, 100, 1000, -1]),
    st.sampled_from(["", "abc", "1.5", " 2 ", "1e3", "٣"]),
)


@pytest.fixture
def shop(platform):
    store, response = vendor_sign_up(platform, "Acme Audio", "a@store.example")
    assert response.status_code == 302
    vendor_id = scalar(platform.vendor, "SELECT vendor_id FROM vendor_user WHERE email = 'a@store.example'")
    vendor_status(platform, vendor_id, "approved")
    variants = []
    for n, (price, stock) in enumerate((("19.99", 6), ("0.10", 3), ("1234.50", 1))):
        product_id = create_product(store, title=f"Thing {n}", description="", sku=f"T-{n}", stock=stock, price=price)
        publish(store, product_id)
        variants.append(
            (product_id, scalar(platform.vendor, "SELECT id FROM variant WHERE product_id = :p", p=product_id))
        )
    platform.drain()
    shopper, response = customer_sign_up(platform.storefront, "ada@shopper.example", "Ada Lovelace")
    assert response.status_code == 302
    return {"store": store, "variants": variants, "shopper": shopper}


def as_int(value) -> int | None:
    """What the form's IntegerField makes of what was typed (Python's int(): spaces and any digits)."""
    try:
        return int(value)
    except ValueError:
        return None


class CartRules(RuleBasedStateMachine):
    platform = None
    shop = None

    @initialize()
    def empty_cart(self) -> None:
        sql_exec(self.platform.storefront, "DELETE FROM cart_line")
        self.expected: dict[int, int] = {}
        self.client = self.shop["shopper"]

    # --- what the shopper and the store do ------------------------------------------------------------

    def _available(self, variant_id: int) -> int:
        row = sql(
            self.platform.storefront,
            "SELECT v.available, p.listed FROM variant v JOIN product p ON p.id = v.product_id WHERE v.id = :v",
            v=variant_id,
        )
        return max(0, row[0].available) if row and row[0].listed else 0

    def _token(self) -> str:
        return csrf_from(self.client.get("/cart").get_data(as_text=True))

    @rule(index=st.integers(0, 2), quantity=QUANTITIES)
    def add(self, index: int, quantity) -> None:
        _, variant_id = self.shop["variants"][index]
        available = self._available(variant_id)
        response = self.client.post(
            "/cart/add", data={"variant_id": variant_id, "quantity": quantity, "csrf_token": self._token()}
        )
        assert response.status_code < 500
        wanted, already = as_int(quantity), self.expected.get(variant_id, 0)
        valid = wanted is not None and 1 <= wanted <= MAX_QUANTITY and already + wanted <= min(available, MAX_QUANTITY)
        if valid:
            assert response.status_code == 303, f"add {quantity!r} of {available} refused: {response.status_code}"
            self.expected[variant_id] = already + wanted
        else:
            assert response.status_code in (303, 422), response.status_code
        self._compare(f"add {quantity!r} (available {available})")

    @rule(index=st.integers(0, 2), quantity=QUANTITIES)
    def update(self, index: int, quantity) -> None:
        _, variant_id = self.shop["variants"][index]
        available = self._available(variant_id)
        response = self.client.post(
            f"/cart/lines/{variant_id}", data={"quantity": quantity, "csrf_token": self._token()}
        )
        assert response.status_code < 500, response.status_code
        wanted = as_int(quantity)
        if variant_id in self.expected and wanted is not None:
            if wanted == 0:
                del self.expected[variant_id]
            elif 1 <= wanted <= MAX_QUANTITY and wanted <= available:
                self.expected[variant_id] = wanted
        self._compare(f"set {quantity!r} (available {available})")

    @rule(index=st.integers(0, 2))
    def remove(self, index: int) -> None:
        _, variant_id = self.shop["variants"][index]
        response = self.client.post(f"/cart/lines/{variant_id}/remove", data={"csrf_token": self._token()})
        assert response.status_code == 303, response.status_code
        self.expected.pop(variant_id, None)
        self._compare("remove")

    @rule(index=st.integers(0, 2), delta=st.integers(-3, 4).filter(bool))
    def stock_moves(self, index: int, delta: int) -> None:
        """The store receives stock or writes some off; the shop's copy hears of it by event."""
        _, variant_id = self.shop["variants"][index]
        reason = "received" if delta > 0 else "damaged"
        post_with_token(
            self.shop["store"],
            f"/inventory/variants/{variant_id}",
            f"/inventory/variants/{variant_id}",
            {"delta": str(delta), "reason": reason, "note": ""},
        )
        self.platform.drain()

    @rule()
    def view(self) -> None:
        page = self.client.get("/cart")
        assert page.status_code == 200
        # The view caps what is no longer available; an out-of-stock line is kept but not orderable.
        for variant_id, quantity in list(self.expected.items()):
            available = self._available(variant_id)
            if available > 0:
                self.expected[variant_id] = min(quantity, available)
        self._compare("view")
        view = self._view()
        for variant_id, quantity, available, orderable, _ in view["lines"]:
            if orderable:
                assert quantity <= available, f"variant {variant_id}: {quantity} in the cart, {available} available"
        if view["lines"]:
            from storefront.formatting import format_money

            with self.platform.storefront.app_context():
                shown = format_money(view["total"], "EUR")
            assert shown in page.get_data(as_text=True), f"the cart page does not show its total {shown}"

    # --- what must always hold ----------------------------------------------------------------------------

    def _view(self) -> dict:
        from storefront.cart.operations import CustomerCart
        from storefront.cart.queries import CartItem, offers, state_of
        from storefront.extensions import db

        app = self.platform.storefront
        customer_id = scalar(app, "SELECT id FROM customer WHERE email = 'ada@shopper.example'")
        with app.app_context():
            owner = CustomerCart.__new__(CustomerCart)
            owner.customer_id = customer_id
            stored = owner.lines()
            found = offers(line.variant_id for line in stored)
            items = [
                CartItem(
                    line.variant_id, line.quantity, found.get(line.variant_id), state_of(found.get(line.variant_id))
                )
                for line in stored
            ]
            lines = [
                (i.variant_id, i.quantity, i.offer.available if i.offer else 0, i.orderable, i.line_total)
                for i in items
            ]
            total = sum((i.line_total for i in items if i.orderable), Decimal("0.00"))
            db.session.remove()
        return {"lines": lines, "total": total}

    def _compare(self, step: str) -> None:
        actual = {variant_id: quantity for variant_id, quantity, *_ in self._view()["lines"]}
        assert actual == self.expected, f"after {step}: cart {actual}, rules say {self.expected}"

    @invariant()
    def lines_and_total_hold(self) -> None:
        if not hasattr(self, "expected"):
            return
        view = self._view()
        for variant_id, quantity, _, _, line_total in view["lines"]:
            assert quantity > 0, f"variant {variant_id} has {quantity} units in the cart"
            assert isinstance(line_total, Decimal) and line_total.as_tuple().exponent == -2, line_total
        total = view["total"]
        assert total == sum((lt for *_, orderable, lt in view["lines"] if orderable), Decimal("0.00"))
        assert isinstance(total, Decimal) and total.as_tuple().exponent == -2, total


def sql_exec(app, statement: str) -> None:
    import sqlalchemy as sa

    with app.app_context():
        db = app.extensions["sqlalchemy"]
        db.session.execute(sa.text(statement))
        db.session.commit()
        db.session.remove()


def test_the_cart_keeps_its_rules_whatever_the_shopper_and_the_store_do(platform, shop) -> None:
    CartRules.platform = platform
    CartRules.shop = shop
    run_state_machine_as_test(
        CartRules,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
