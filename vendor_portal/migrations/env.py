"""Alembic environment of the vendor_portal's own database."""

from common_core.migrations import run_env

run_env()
