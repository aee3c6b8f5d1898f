"""catalogue version bumped by changes shoppers can see, not by every unit sold

The catalogue version names every shared page (its ETag and its place in the page cache). Until now
any write to a product or variant bumped it, so in a busy shop each sale of anything (a stock count of
99,990 becoming 99,989) threw away every cached page of every worker and made every browser's copy
stale. A page shows a stock count only through:

- a variant's stock on its product page: "Only N left" up to LOW_STOCK (5), and the quantity field's
  maximum, min(available, MAX_QUANTITY = 99);
- a product's card (listings, the home page's shelves): "Only N left" from stock_total up to LOW_STOCK,
  else "In stock", and "Out of stock" from in_stock (a column of its own).

So an UPDATE now bumps the version only when a column other than the stock counts and their stamps
changed, or when least(available, 99) of a variant or least(stock_total, 6) of a product did. Inserts
and deletes still always bump. The constants are storefront.catalog.models.LOW_STOCK and
storefront.cart.queries.MAX_QUANTITY; tests/perf/test_conditional_get.py checks, count by count, that
the ETag changes exactly when the page does.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 22:00:00.000000
"""

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Per table: the columns that only count stock or stamp writes, and the part of the count pages show.
UNSEEN = {
    'variant': ("ARRAY['available', 'stock_at']", 'least({row}.available, 99)'),
    'product': ("ARRAY['stock_total', 'updated_at', 'event_at']", 'least({row}.stock_total, 6)'),
}


def upgrade() -> None:
    for name, (unseen, shown) in UNSEEN.items():
        op.execute(f"DROP TRIGGER catalog_version_{name} ON {name}")
        op.execute(f"""
            CREATE CONSTRAINT TRIGGER catalog_version_{name} AFTER INSERT OR DELETE ON {name}
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_catalog_version()
        """)
        op.execute(f"""
            CREATE CONSTRAINT TRIGGER catalog_version_{name}_update AFTER UPDATE ON {name}
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
            WHEN ((to_jsonb(OLD) - {unseen}) IS DISTINCT FROM (to_jsonb(NEW) - {unseen})
                  OR {shown.format(row='OLD')} IS DISTINCT FROM {shown.format(row='NEW')})
            EXECUTE FUNCTION bump_catalog_version()
        """)


def downgrade() -> None:
    for name in UNSEEN:
        op.execute(f"DROP TRIGGER catalog_version_{name}_update ON {name}")
        op.execute(f"DROP TRIGGER catalog_version_{name} ON {name}")
        op.execute(f"""
            CREATE CONSTRAINT TRIGGER catalog_version_{name} AFTER INSERT OR UPDATE OR DELETE ON {name}
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_catalog_version()
        """)
