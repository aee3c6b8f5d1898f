"""Many shoppers after the last units at once: real threads, real PostgreSQL, the real reservation endpoint."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.storefront.checkout_fixtures import (
    market_fixture,  # noqa: F401 - the market fixture
    shopper_fixture,  # noqa: F401 - the shopper fixture
    sql,
)

SHOPPERS = 40
UNITS = 5


@pytest.mark.slow
def test_forty_shoppers_racing_for_five_units_place_exactly_five_orders(storefront, market, shopper):
    store = market.store("Acme Audio")
    [lamp] = market.product(store, "Desk lamp", [("30.00", UNITS, {})])
    guests = [shopper() for _ in range(SHOPPERS)]
    forms = []
    for guest in guests:
        assert guest.add(lamp, 1).status_code == 303
        forms.append(guest.checkout_fields())

    with ThreadPoolExecutor(max_workers=SHOPPERS) as pool:
        responses = list(pool.map(lambda pair: pair[0].checkout(fields=pair[1]), zip(guests, forms, strict=True)))

    placed = [r for r in responses if r.status_code == 303]
    refused = [r for r in responses if r.status_code == 409]
    assert len(placed) == UNITS
    assert len(refused) == SHOPPERS - UNITS
    assert all("Desk lamp has just sold out" in r.get_data(as_text=True) for r in refused)

    statuses = sql(storefront, "SELECT status, count(*) FROM orders GROUP BY status ORDER BY status")
    assert dict(statuses) == {"failed": SHOPPERS - UNITS, "placed": UNITS}
    assert sql(storefront, "SELECT count(*) FROM payment")[0][0] == UNITS  # nobody refused was charged
    assert market.stock(lamp) == (0, 0)  # every unit sold once, nothing left held
