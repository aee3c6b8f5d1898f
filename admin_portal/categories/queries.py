"""Read-only lookups of the category tree."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from admin_portal.categories.models import Category
from admin_portal.extensions import db


def category_or_404(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        abort(404)
    return category


def tree() -> list[Category]:
    """Active top-level categories in order; each one's `active_children` are its shown subcategories."""
    query = (
        sa.select(Category)
        .where(Category.parent_id.is_(None), Category.status == "active")
        .options(selectinload(Category.children))
        .order_by(Category.position, Category.id)
    )
    return list(db.session.scalars(query))


def retired() -> list[Category]:
    query = sa.select(Category).where(Category.status == "retired").order_by(Category.name, Category.id)
    return list(db.session.scalars(query.options(selectinload(Category.parent))))


def top_level_choices(exclude: Category | None = None) -> list[Category]:
    """The categories a category may be filed under: active and top-level (two levels, no more)."""
    query = sa.select(Category).where(Category.parent_id.is_(None), Category.status == "active")
    if exclude is not None and exclude.id is not None:
        query = query.where(Category.id != exclude.id)
    return list(db.session.scalars(query.order_by(Category.position, Category.id)))


def active_siblings(parent_id: int | None) -> list[Category]:
    """Active categories under `parent_id` (None: the top level), in their order."""
    parent_clause = Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    query = sa.select(Category).where(parent_clause, Category.status == "active")
    return list(db.session.scalars(query.order_by(Category.position, Category.id)))


def active_child_count(category_id: int) -> int:
    query = sa.select(sa.func.count()).where(Category.parent_id == category_id, Category.status == "active")
    return db.session.execute(query).scalar_one()


def slug_taken(slug: str, *, besides: int | None = None) -> bool:
    query = sa.select(Category.id).where(Category.slug == slug)
    if besides is not None:
        query = query.where(Category.id != besides)
    return db.session.execute(query.limit(1)).first() is not None


def category_by_slug(slug: str) -> Category | None:
    return db.session.scalar(sa.select(Category).where(Category.slug == slug))
