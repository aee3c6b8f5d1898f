"""Read-only lookups of products, always scoped to one vendor so no page can reach another store's rows."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_sqlalchemy.pagination import Pagination

from vendor_portal.accounts.models import Vendor
from vendor_portal.catalog.models import Product
from vendor_portal.extensions import db


class VendorProducts:
    """The products of one vendor; the only way pages look products up."""

    def __init__(self, vendor_id: int) -> None:
        self.vendor_id = vendor_id

    def select(self) -> sa.Select[tuple[Product]]:
        return sa.select(Product).where(Product.vendor_id == self.vendor_id)

    def get_or_404(self, product_id: int, *, for_update: bool = False) -> Product:
        """The product if it is this vendor's; 404 otherwise (another store's id looks like a missing one)."""
        query = self.select().where(Product.id == product_id)
        if for_update:
            query = query.with_for_update()  # status changes on one product happen one at a time
        product = db.session.scalar(query)
        if product is None:
            abort(404)
        return product

    def newest_first(self, page: int, per_page: int = 20) -> Pagination:
        query = self.select().order_by(Product.created_at.desc(), Product.id.desc())
        return db.paginate(query, page=page, per_page=per_page, error_out=False)

    def with_status(self, status: str) -> list[Product]:
        return list(db.session.scalars(self.select().where(Product.status == status).order_by(Product.id)))

    def count_by_status(self) -> dict[str, int]:
        query = sa.select(Product.status, sa.func.count()).where(Product.vendor_id == self.vendor_id)
        return dict(db.session.execute(query.group_by(Product.status)).all())


def products_of(vendor: Vendor) -> VendorProducts:
    return VendorProducts(vendor.id)
