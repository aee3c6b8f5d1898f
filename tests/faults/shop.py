"""A small shop for the fault suites: an approved store whose products were made through its pages (so
every unit of stock has its history), published to the storefront, and shoppers who buy through checkout."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask.testing import FlaskClient

from tests.conftest import Platform
from tests.security.world import (
    add_to_cart,
    create_product,
    customer_sign_up,
    publish,
    scalar,
    vendor_sign_up,
    vendor_status,
)


@dataclass
class Shop:
    platform: Platform
    store: FlaskClient
    vendor_id: int
    products: list[tuple[int, int]] = field(default_factory=list)  # (product_id, variant_id)

    def shopper(self, email: str | None = None) -> FlaskClient:
        """A guest browser, or a signed-up customer when an email is given."""
        if email is None:
            return self.platform.storefront.test_client()
        client, response = customer_sign_up(self.platform.storefront, email, "Ada Lovelace")
        assert response.status_code == 302
        return client

    def add(self, client: FlaskClient, index: int = 0, quantity: int = 1):
        product_id, variant_id = self.products[index]
        return add_to_cart(client, product_id, variant_id, quantity)


def open_shop(platform: Platform, *stocks: int, store_name: str = "Acme Audio", email: str = "a@store.example") -> Shop:
    store, response = vendor_sign_up(platform, store_name, email)
    assert response.status_code == 302
    vendor_id = scalar(platform.vendor, "SELECT vendor_id FROM vendor_user WHERE email = :e", e=email)
    vendor_status(platform, vendor_id, "approved")
    shop = Shop(platform, store, vendor_id)
    for n, stock in enumerate(stocks or (10,)):
        product_id = create_product(store, title=f"Thing {n}", description="", sku=f"{vendor_id}-T-{n}", stock=stock)
        publish(store, product_id)
        variant_id = scalar(platform.vendor, "SELECT id FROM variant WHERE product_id = :p", p=product_id)
        shop.products.append((product_id, variant_id))
    platform.drain()
    return shop
