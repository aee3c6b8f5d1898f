"""Writes on vendors and their users. Operations flush; the request (or command) commits."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from common_core import auth
from common_core.db import violated_constraint
from common_core.errors import Conflict, FieldError, InvalidInput, InvalidTransition, NotAllowed
from vendor_portal.accounts import events
from vendor_portal.accounts.models import Vendor, VendorStatusChange, VendorUser
from vendor_portal.accounts.queries import (
    normalise_email,
    slug_taken,
    status_change_by_request,
    vendor_by_store_name,
    vendor_user_by_email,
)
from vendor_portal.catalog import images
from vendor_portal.catalog import operations as catalog_operations
from vendor_portal.catalog.images import Upload
from vendor_portal.extensions import db

# Which store statuses an admin decision may move to from each status; anything else is refused.
TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"approved", "rejected"}),
    "approved": frozenset({"suspended"}),
    "suspended": frozenset({"approved"}),
    "rejected": frozenset({"approved"}),
}

STORE_NAME_TAKEN = "A store with this name already exists. Choose another name."
EMAIL_TAKEN = "An account with this email already exists. Sign in instead."


def register_vendor(store_name: str, contact_name: str, email: str, password: str) -> VendorUser:
    """A new pending store and its first user."""
    store_name = " ".join(store_name.split())
    if vendor_by_store_name(store_name) is not None:
        raise FieldError("store_name", STORE_NAME_TAKEN)
    if vendor_user_by_email(email) is not None:
        raise FieldError("email", EMAIL_TAKEN)
    email = normalise_email(email)
    vendor = Vendor(
        store_name=store_name,
        slug=_unique_slug(store_name),
        contact_name=contact_name.strip(),
        email=email,
        status="pending",
    )
    user = VendorUser(vendor=vendor, email=email, password_hash=auth.hash_password(password))
    try:
        # A savepoint, so losing a race for the name or email to a simultaneous sign-up is a form error, not a 500.
        # Added inside it: begin_nested() flushes what is pending before its SAVEPOINT.
        with db.session.begin_nested():
            db.session.add_all([vendor, user])
            db.session.flush()
    except IntegrityError as exc:
        if "email" in violated_constraint(exc):
            raise FieldError("email", EMAIL_TAKEN) from exc
        raise FieldError("store_name", STORE_NAME_TAKEN) from exc
    events.vendor_upserted(vendor)
    return user


def authenticate(email: str, password: str) -> VendorUser:
    """The vendor user these credentials belong to; records the attempt whatever the outcome."""
    user = auth.check_credentials(email, password, vendor_user_by_email)
    if user.status == "disabled":
        raise NotAllowed("This sign-in has been disabled. Ask your store's owner or contact the marketplace team.")
    # A suspended or rejected store may sign in again: it is told why on every page and cannot publish.
    return user


def change_status(
    vendor: Vendor, status: str, *, reason: str | None, request_id: str, actor: str
) -> VendorStatusChange | None:
    """Apply an admin's decision on a store (the vendor row should be locked by the caller).

    Returns the decision recorded for this request_id (a repeat returns the first one), or None when
    the store already has the status and nothing was changed or recorded.
    """
    earlier = status_change_by_request(request_id)
    if earlier is not None:
        if earlier.vendor_id != vendor.id:
            raise Conflict("This request_id was already used for another vendor.", request_id=request_id)
        return earlier
    if status == vendor.status:
        return None
    if status not in TRANSITIONS[vendor.status]:
        raise InvalidTransition(
            f"A {vendor.status} store cannot become {status}.", current=vendor.status, requested=status
        )
    previous = vendor.status
    vendor.status = status
    vendor.status_reason = reason
    change = VendorStatusChange(
        vendor_id=vendor.id,
        from_status=previous,
        to_status=status,
        reason=reason,
        request_id=request_id,
        changed_by=actor,
    )
    db.session.add(change)
    db.session.flush()
    events.vendor_status_changed(vendor)
    if status in ("suspended", "rejected"):
        # Every open session ends now; signing in again shows the store why and what it can still do.
        for user_id in db.session.scalars(sa.select(VendorUser.id).where(VendorUser.vendor_id == vendor.id)):
            auth.end_all_sessions(user_id)
    # Shoppers see a store's products only while it is approved; each product keeps its own status.
    if previous == "approved":
        catalog_operations.withdraw_listings(vendor, reason="vendor_suspended")
    elif status == "approved":
        catalog_operations.republish_listings(vendor)
    return change


def update_profile(
    vendor: Vendor,
    *,
    store_name: str,
    description: str | None,
    contact_name: str,
    phone: str | None,
    email: str,
    return_policy: str | None,
    actor: VendorUser,
    logo: Upload | None = None,
    remove_logo: bool = False,
) -> bool:
    """Save the store profile; returns whether anything changed.

    The status is not part of it (the marketplace team sets it). The slug stays as it is, so the
    store's shop address keeps working after a rename. Shoppers' copies hear of the fields they show.
    """
    if actor.vendor_id != vendor.id:
        raise NotAllowed("You can only change your own store's profile.")
    store_name = " ".join((store_name or "").split())
    other = vendor_by_store_name(store_name)
    if other is not None and other.id != vendor.id:
        raise FieldError("store_name", STORE_NAME_TAKEN)
    prepared = None
    if logo is not None:
        try:
            prepared = images.prepare_image(logo.data, limit=images.max_bytes())
        except InvalidInput as exc:
            raise FieldError("logo", f"{logo.filename}: {exc.message}") from None
    before = _profile_state(vendor)
    shown_before = (vendor.store_name, vendor.description, vendor.email)
    vendor.store_name = store_name
    vendor.description = (description or "").strip() or None
    vendor.contact_name = " ".join((contact_name or "").split())
    vendor.phone = " ".join((phone or "").split()) or None
    vendor.email = normalise_email(email)
    vendor.return_policy = (return_policy or "").strip() or None
    old_logo = vendor.logo_media_id
    if prepared is not None:
        vendor.logo_media_id = images.store_media(vendor, prepared).id
    elif remove_logo:
        vendor.logo_media_id = None
    try:
        # A savepoint, so losing the name to a simultaneous rename is a form error, not a 500.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise FieldError("store_name", STORE_NAME_TAKEN) from exc
    if old_logo is not None and old_logo != vendor.logo_media_id:
        images.discard_media_if_unused(old_logo)
    if (vendor.store_name, vendor.description, vendor.email) != shown_before:
        events.vendor_upserted(vendor)
    return _profile_state(vendor) != before


def _profile_state(vendor: Vendor) -> tuple[object, ...]:
    return (
        vendor.store_name,
        vendor.description,
        vendor.contact_name,
        vendor.phone,
        vendor.email,
        vendor.return_policy,
        vendor.logo_media_id,
    )


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:120] or "store"


def _unique_slug(store_name: str) -> str:
    base = _slugify(store_name)
    slug, n = base, 2
    while slug_taken(slug):
        slug, n = f"{base}-{n}", n + 1
    return slug
