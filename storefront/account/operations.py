"""Writes on customer accounts. Operations flush; the request (or command) commits."""

from __future__ import annotations

from common_core import auth
from common_core.errors import FieldError, InvalidInput, NotAllowed
from common_core.outbox import record_event
from storefront.account.models import Customer
from storefront.account.queries import customer_by_email, normalise_email
from storefront.extensions import db


def register_customer(name: str, email: str, password: str) -> Customer:
    if customer_by_email(email) is not None:
        raise FieldError("email", "An account with this email already exists. Sign in instead.")
    customer = Customer(name=name.strip(), email=normalise_email(email), password_hash=auth.hash_password(password))
    db.session.add(customer)
    db.session.flush()
    record_event(
        "customer.registered",
        {
            "customer_id": customer.id,
            "email": customer.email,
            "name": customer.name,
            "registered_at": customer.created_at.isoformat() if customer.created_at else None,
        },
    )
    return customer


def authenticate(email: str, password: str) -> Customer:
    """The customer these credentials belong to; records the attempt whatever the outcome."""
    auth.check_throttle(email)
    customer = customer_by_email(email)
    ok = auth.verify_password(customer.password_hash if customer else None, password)
    auth.record_attempt(email, succeeded=ok)
    if not ok or customer is None:
        raise InvalidInput("The email or password is not right.")
    if customer.status == "suspended":
        raise NotAllowed("This account is suspended. Contact support if you think this is a mistake.")
    return customer


def change_password(customer: Customer, current_password: str, new_password: str) -> None:
    if not auth.verify_password(customer.password_hash, current_password):
        raise FieldError("current_password", "Your current password is not right.")
    customer.password_hash = auth.hash_password(new_password)
    auth.end_other_sessions(customer)
