"""search word dictionary

The spelling dictionary a misspelt search is corrected against: every distinct word (letters and
digits, at least three long, with a letter) of the products' search names (title and brand, lower-case,
accents folded), with a trigram index. Filled here from the products already stored; the catalogue
handlers add the words of every name they write from now on.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 18:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_word',
    sa.Column('word', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('word', name=op.f('pk_search_word'))
    )
    # Set-based, then indexed: a million products take seconds (the words repeat; few are distinct).
    # The same words storefront.catalog.models.SearchWord.words_of() and is_word() take.
    op.execute("""
        INSERT INTO search_word (word)
        SELECT DISTINCT w.word
        FROM product, regexp_split_to_table(product.search_name, '[^[:alnum:]]+') AS w(word)
        WHERE length(w.word) >= 3 AND w.word ~ '[[:alpha:]]'
        ORDER BY w.word
    """)
    # fastupdate off: a word added later goes straight into the index, not into a pending list that
    # every correction would read in full until the next vacuum.
    op.create_index('ix_search_word_trgm', 'search_word', ['word'], unique=False, postgresql_using='gin', postgresql_ops={'word': 'gin_trgm_ops'}, postgresql_with={'fastupdate': 'off'})
    op.execute("ANALYZE search_word")


def downgrade() -> None:
    op.drop_index('ix_search_word_trgm', table_name='search_word', postgresql_using='gin', postgresql_ops={'word': 'gin_trgm_ops'}, postgresql_with={'fastupdate': 'off'})
    op.drop_table('search_word')
