"""Writes on the category tree. Operations flush; the request (or command) commits.

Every change publishes category.upserted / category.retired in the same transaction and appends an
audit entry. `actor` is the staff member acting; None means the command line (demo data).

All writes take one transaction-scoped advisory lock on the tree first: changes are rare, and checking
"two levels at most" and sibling positions is only sound if nobody else moves things meanwhile.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

import sqlalchemy as sa

from admin_portal import audit
from admin_portal.categories import events
from admin_portal.categories.models import NAME_MAX, SLUG_MAX, Category
from admin_portal.categories.queries import active_child_count, active_siblings, slug_taken
from admin_portal.extensions import db
from admin_portal.staff.access import CATALOGUE_ROLES
from common_core.errors import Conflict, FieldError, NotAllowed

TREE_LOCK = 0x43415400  # "CAT\0": the advisory lock key of the category tree
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def create_category(name: str, *, parent_id: int | None, slug: str | None, actor: Any | None) -> Category:
    _require_manager(actor)
    _lock_tree()
    name = _clean_name(name)
    parent = _valid_parent(parent_id, moving=None)
    slug = _check_slug(slug) if slug else _unique_slug(name)
    category = Category(
        name=name,
        slug=slug,
        parent_id=parent.id if parent else None,
        position=_next_position(parent.id if parent else None),
        status="active",
    )
    db.session.add(category)
    db.session.flush()
    events.category_upserted(category)
    audit.record(actor, "category.created", "category", category.id, None, category.state())
    return category


def rename_category(category: Category, name: str, slug: str | None, *, actor: Any | None) -> bool:
    """Change the name and, when given, the slug. Returns False when nothing changed."""
    _require_manager(actor)
    _lock_tree()
    db.session.refresh(category)
    _require_active(category)
    name = _clean_name(name)
    slug = _check_slug(slug, besides=category.id) if slug else category.slug
    if (name, slug) == (category.name, category.slug):
        return False
    before = category.state()
    category.name, category.slug = name, slug
    db.session.flush()
    events.category_upserted(category)
    audit.record(actor, "category.renamed", "category", category.id, before, category.state())
    return True


def move_category(category: Category, parent_id: int | None, *, actor: Any | None) -> bool:
    """File the category under another parent (None: make it top-level), at the end of its new siblings.

    Returns False when it is already there. Its old siblings close the gap it leaves.
    """
    _require_manager(actor)
    _lock_tree()
    db.session.refresh(category)
    _require_active(category)
    parent = _valid_parent(parent_id, moving=category)
    new_parent_id = parent.id if parent else None
    if new_parent_id == category.parent_id:
        return False
    before, old_parent_id = category.state(), category.parent_id
    position = _next_position(new_parent_id)  # before the move, so it does not count itself
    category.parent_id, category.position = new_parent_id, position
    db.session.flush()
    events.category_upserted(category)
    audit.record(actor, "category.moved", "category", category.id, before, category.state())
    _close_gaps(old_parent_id)
    return True


def reorder_category(category: Category, direction: Literal["up", "down"], *, actor: Any | None) -> None:
    """Swap the category with its neighbour above or below among its siblings."""
    _require_manager(actor)
    _lock_tree()
    db.session.refresh(category)
    _require_active(category)
    siblings = active_siblings(category.parent_id)
    index = siblings.index(category)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(siblings):
        raise Conflict(f"{category.name} is already {'first' if direction == 'up' else 'last'} in its list.")
    other = siblings[other_index]
    before = category.state()
    category.position, other.position = other.position, category.position
    db.session.flush()
    for moved in (category, other):
        events.category_upserted(moved)
    audit.record(actor, "category.reordered", "category", category.id, before, category.state())


def retire_category(category: Category, *, actor: Any | None) -> None:
    """Take the category out of the tree shown to vendors and shoppers; refused while it has active children."""
    _require_manager(actor)
    _lock_tree()
    db.session.refresh(category)
    _require_active(category)
    children = active_child_count(category.id)
    if children:
        noun = "subcategory" if children == 1 else "subcategories"
        raise Conflict(
            f"{category.name} still has {children} active {noun}. Move or retire them first, then retire it."
        )
    before = category.state()
    category.status = "retired"
    db.session.flush()
    events.category_retired(category)
    audit.record(actor, "category.retired", "category", category.id, before, category.state())
    _close_gaps(category.parent_id)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[: SLUG_MAX - 4].strip("-") or "category"


def _lock_tree() -> None:
    db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(TREE_LOCK)))


def _require_manager(actor: Any | None) -> None:
    # Routes are guarded too; this keeps the rule true for every other caller of these operations.
    if actor is not None and actor.role not in CATALOGUE_ROLES:
        raise NotAllowed("Only owners and catalogue managers can change categories.")


def _require_active(category: Category) -> None:
    if not category.is_active:
        raise Conflict(f"{category.name} is retired and can no longer be changed.")


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise FieldError("name", "Enter the category's name.")
    if len(name) > NAME_MAX:
        raise FieldError("name", f"Use at most {NAME_MAX} characters.")
    return name


def _check_slug(slug: str, *, besides: int | None = None) -> str:
    slug = slug.strip().lower()
    if len(slug) > SLUG_MAX or not SLUG_RE.match(slug):
        raise FieldError("slug", f"Use lower-case letters, digits and single hyphens, at most {SLUG_MAX} characters.")
    if slug_taken(slug, besides=besides):
        raise FieldError("slug", "Another category already uses this address. Choose another.")
    return slug


def _unique_slug(name: str) -> str:
    base = slugify(name)
    slug, n = base, 2
    while slug_taken(slug):
        slug, n = f"{base}-{n}", n + 1
    return slug


def _valid_parent(parent_id: int | None, *, moving: Category | None) -> Category | None:
    """The parent to file under, refusing anything that would make a third level or a cycle."""
    if parent_id is None:
        return None
    parent = db.session.get(Category, parent_id, populate_existing=True)
    if parent is None or not parent.is_active:
        raise FieldError("parent", "Choose an active top-level category, or none.")
    if moving is not None and parent.id == moving.id:
        raise FieldError("parent", "A category cannot be filed under itself.")
    if not parent.is_top_level:
        raise FieldError(
            "parent",
            f"{parent.name} is itself a subcategory, and categories have only two levels. Choose a top-level category.",
        )
    if moving is not None:
        children = active_child_count(moving.id)
        if children:
            noun = "subcategory" if children == 1 else "subcategories"
            raise FieldError(
                "parent",
                f"{moving.name} has {children} {noun}, so it must stay top-level (a third level is not allowed). "
                "Move or retire its subcategories first.",
            )
    return parent


def _next_position(parent_id: int | None) -> int:
    siblings = active_siblings(parent_id)
    return max((sibling.position for sibling in siblings), default=0) + 1


def _close_gaps(parent_id: int | None) -> None:
    """Number the active siblings 1, 2, 3 ... again, publishing each one whose position changed."""
    for position, sibling in enumerate(active_siblings(parent_id), start=1):
        if sibling.position != position:
            sibling.position = position
            db.session.flush()
            events.category_upserted(sibling)
