"""Every model of the storefront, imported once so the metadata (and Alembic) sees them all."""

from storefront.account.models import Customer
from storefront.account.profile_models import Address, WishlistItem
from storefront.cart.models import Cart, CartLine
from storefront.catalog.models import Category, Product, ProductImage, Variant, Vendor
from storefront.mail.models import OutboundEmail
from storefront.orders.models import Order, OrderEvent, OrderLine, OrderVendorPart, Payment, Refund
from storefront.reviews.models import Review
from storefront.traffic.models import TrafficEvent

__all__ = [
    "Address",
    "Cart",
    "CartLine",
    "Category",
    "Customer",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderVendorPart",
    "OutboundEmail",
    "Payment",
    "Product",
    "ProductImage",
    "Refund",
    "Review",
    "TrafficEvent",
    "Variant",
    "Vendor",
    "WishlistItem",
]
