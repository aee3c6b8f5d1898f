"""Every model of the vendor portal, imported once so the metadata (and Alembic) sees them all."""

from vendor_portal.accounts.models import Vendor, VendorStatusChange, VendorUser
from vendor_portal.analytics.models import ProductViewDaily
from vendor_portal.catalog.models import Category, Media, Product, ProductImage, ProductOption, Variant
from vendor_portal.imports.models import ImportJob
from vendor_portal.inventory.models import Reservation, ReservationLine, StockAdjustment
from vendor_portal.orders.models import VendorOrder, VendorOrderEvent, VendorOrderLine

__all__ = [
    "Category",
    "ImportJob",
    "Media",
    "Product",
    "ProductImage",
    "ProductOption",
    "ProductViewDaily",
    "Reservation",
    "ReservationLine",
    "StockAdjustment",
    "Variant",
    "Vendor",
    "VendorOrder",
    "VendorOrderEvent",
    "VendorOrderLine",
    "VendorStatusChange",
    "VendorUser",
]
