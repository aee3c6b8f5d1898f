"""Writes on staff accounts. Operations flush; the request (or command) commits.

`actor` is the staff member acting; None means the command line, run by whoever operates the server.
"""

from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError

from admin_portal import audit
from admin_portal.extensions import db
from admin_portal.staff.models import STAFF_ROLES, Staff
from admin_portal.staff.queries import normalise_email, staff_by_email
from common_core import auth
from common_core.errors import Conflict, FieldError, NotAllowed

NAME_MAX = 120


def create_staff(email: str, name: str, role: str, password: str, *, actor: Staff | None) -> Staff:
    _require_owner(actor)
    email = check_new_email(email)
    _check_new_account(name, role, password)
    staff = Staff(email=email, name=name.strip(), role=role, password_hash=auth.hash_password(password))
    try:
        # A savepoint, so a concurrent create of the same email becomes a field error, not a broken session.
        with db.session.begin_nested():
            db.session.add(staff)
    except IntegrityError:
        raise FieldError("email", "A staff account with this email already exists.") from None
    audit.record(actor, "staff.created", "staff", staff.id, None, _audited(staff))
    return staff


def check_new_email(email: str) -> str:
    """The normalised email, if it is valid and no staff account has it yet."""
    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise FieldError("email", "Enter a valid email address.") from None
    if staff_by_email(email) is not None:
        raise FieldError("email", "A staff account with this email already exists.")
    return email


def authenticate(email: str, password: str) -> Staff:
    """The staff member these credentials belong to; records the attempt whatever the outcome."""
    staff = auth.check_credentials(email, password, staff_by_email)
    if staff.status == "disabled":
        raise NotAllowed("This staff account is disabled. Ask an owner to re-enable it.")
    return staff


def disable_staff(staff: Staff, *, actor: Staff | None) -> None:
    """Disable an account and end all its sessions at once, keeping at least one active owner."""
    _require_owner(actor)
    if staff.role == "owner" and staff.status == "active":
        # Lock every active owner row: two owners disabling each other at the same moment must not
        # both succeed. The second waits here, then sees the first's change and is refused.
        owners = db.session.scalars(
            sa.select(Staff)
            .where(Staff.role == "owner", Staff.status == "active")
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        if [owner.id for owner in owners] == [staff.id]:
            raise Conflict(f"{staff.name} is the last active owner and cannot be disabled. Add another owner first.")
    if actor is not None and actor.id == staff.id:
        raise NotAllowed("You cannot disable your own account. Ask another owner to do it.")
    before = _audited(staff)
    staff.move_to("disabled")
    auth.end_all_sessions(staff.id)
    db.session.flush()
    audit.record(actor, "staff.disabled", "staff", staff.id, before, _audited(staff))


def enable_staff(staff: Staff, *, actor: Staff | None) -> None:
    _require_owner(actor)
    before = _audited(staff)
    staff.move_to("active")
    db.session.flush()
    audit.record(actor, "staff.enabled", "staff", staff.id, before, _audited(staff))


def _audited(staff: Staff) -> dict[str, str]:
    # Never the password hash or the two-factor secret: the log is read by every owner.
    return {"email": staff.email, "name": staff.name, "role": staff.role, "status": staff.status}


def _require_owner(actor: Staff | None) -> None:
    # Routes are guarded too; this keeps the rule true for every other caller of these operations.
    if actor is not None and actor.role != "owner":
        raise NotAllowed("Only an owner can manage staff accounts.")


def _check_new_account(name: str, role: str, password: str) -> None:
    """The account rules, for callers without a form (the command line)."""
    if not name.strip():
        raise FieldError("name", "Enter the staff member's name.")
    if len(name.strip()) > NAME_MAX:
        raise FieldError("name", f"Use at most {NAME_MAX} characters.")
    if role not in STAFF_ROLES:
        raise FieldError("role", "Choose one of the roles.")
    if not auth.PASSWORD_MIN <= len(password) <= auth.PASSWORD_MAX:
        raise FieldError("password", f"Use between {auth.PASSWORD_MIN} and {auth.PASSWORD_MAX} characters.")
