"""Who may use which admin page: the role guard every admin route wears."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app
from flask_login import current_user

from admin_portal.staff.models import STAFF_ROLES

View = TypeVar("View", bound=Callable[..., Any])

# Who looks after the catalogue side of the platform: categories and vendors.
CATALOGUE_ROLES = ("owner", "catalogue_manager")


def roles_required(*roles: str) -> Callable[[View], View]:
    """Let signed-in active staff with one of `roles` in; send others to sign in (anonymous) or 403."""
    unknown = set(roles) - set(STAFF_ROLES)
    if not roles or unknown:
        # A typo in a role name would lock everyone out silently; fail at import instead.
        raise ValueError(f"roles_required needs roles from {STAFF_ROLES}, got {roles!r}")
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        guarded.allowed_roles = allowed  # type: ignore[attr-defined]  # read by may_use (navigation)
        return guarded  # type: ignore[return-value]

    return decorator


def allowed_roles(endpoint: str) -> frozenset[str]:
    """The roles the guard of `endpoint` lets in; empty for an unknown or unguarded endpoint."""
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", frozenset())


def may_use(staff: Any, endpoint: str) -> bool:
    """Whether `staff` (possibly anonymous) would get past the guard of `endpoint`."""
    return bool(staff.is_authenticated and staff.role in allowed_roles(endpoint))
