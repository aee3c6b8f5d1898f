"""Fixtures for the performance tests: the storefront's catalogue seeded with bench/seed.py's bulk path.

The bulk path writes exactly what the product.upserted handler writes (test_bulk_seed.py holds it to
that), in a fraction of the time, so these tests can compare 30 products with 100 or plan queries over
a few thousand.
"""

from __future__ import annotations

import pytest
from flask import Flask

from bench import seed
from tests.storefront.conftest import catalogue, shop  # noqa: F401 - the storefront's event factories


class BulkCatalogue:
    """Seeds bench/seed.py's demo-like catalogue into the test storefront database."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.count = 0

    def grow_to(self, count: int) -> None:
        if not self.count:
            seed.seed_reference_data(self.app)
        seed.seed_products_bulk(self.app, count, first=self.count + 1, say=lambda _: None)
        self.count = count


@pytest.fixture
def bulk(storefront: Flask) -> BulkCatalogue:
    return BulkCatalogue(storefront)
