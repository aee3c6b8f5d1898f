"""Read-only lookups of customers."""

from __future__ import annotations

import sqlalchemy as sa

from storefront.account.models import Customer
from storefront.extensions import db


def customer_by_id(customer_id: int) -> Customer | None:
    return db.session.get(Customer, customer_id)


def customer_by_email(email: str) -> Customer | None:
    return db.session.scalar(sa.select(Customer).where(Customer.email == normalise_email(email)))


def normalise_email(email: str) -> str:
    return email.strip().lower()
