"""Demo data for the admin portal, loaded by `make run` the first time (idempotent)."""

from __future__ import annotations

from admin_portal.categories import operations as category_operations
from admin_portal.categories.queries import category_by_slug
from admin_portal.extensions import db
from admin_portal.staff import operations
from admin_portal.staff.queries import staff_by_email

DEMO_PASSWORD = "admin-demo-pass"  # noqa: S105 - published demo credentials, shown on the README
DEMO_STAFF = (
    ("Avery Owner", "admin@example.com", "owner"),
    ("Casey Catalogue", "catalogue@example.com", "catalogue_manager"),
    ("Sam Support", "support@example.com", "support"),
    ("Alex Analyst", "analyst@example.com", "analyst"),
)
# 8 top-level categories with 4 subcategories each: 40 in all.
DEMO_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Audio", ("Headphones", "Speakers", "Turntables", "Microphones")),
    ("Home & Kitchen", ("Cookware", "Tableware", "Storage", "Small Appliances")),
    ("Fashion", ("Womenswear", "Menswear", "Shoes", "Bags")),
    ("Sports & Outdoors", ("Cycling", "Camping", "Running", "Fitness")),
    ("Books", ("Fiction", "Non-fiction", "Children's Books", "Comics")),
    ("Toys & Games", ("Board Games", "Puzzles", "Building Sets", "Outdoor Toys")),
    ("Beauty", ("Skincare", "Makeup", "Haircare", "Fragrance")),
    ("Garden", ("Plants", "Garden Tools", "Planters", "Outdoor Lighting")),
)


def seed() -> str:
    staff_created = 0
    for name, email, role in DEMO_STAFF:
        if staff_by_email(email) is None:
            operations.create_staff(email, name, role, DEMO_PASSWORD, actor=None)
            staff_created += 1
    categories_created = _seed_categories()
    db.session.commit()
    if not staff_created and not categories_created:
        return "already loaded"
    return f"{staff_created} staff account(s) and {categories_created} categories created"


def _seed_categories() -> int:
    """Create the demo tree through the operations, so each category is published for the other services.

    A category already there (by its slug, retired ones included) is kept as it is.
    """
    created = 0
    for top_name, sub_names in DEMO_CATEGORIES:
        top = category_by_slug(category_operations.slugify(top_name))
        if top is None:
            top = category_operations.create_category(top_name, parent_id=None, slug=None, actor=None)
            created += 1
        for sub_name in sub_names:
            if category_by_slug(category_operations.slugify(sub_name)) is None and top.is_active:
                category_operations.create_category(sub_name, parent_id=top.id, slug=None, actor=None)
                created += 1
    return created
