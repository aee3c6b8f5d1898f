"""Products as staff see them: every store's catalogue read live from the vendor portal (which owns it),
hiding and restoring products, stock adjustments on a vendor's behalf, and the moderation queue of
products flagged by keywords or reported by shoppers (flags and decisions are kept here)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from admin_portal.products import internal  # noqa: F401 - registers the reports endpoint and the keyword check
    from admin_portal.products.moderation_routes import bp as moderation_bp
    from admin_portal.products.routes import bp

    app.register_blueprint(bp)
    app.register_blueprint(moderation_bp)
