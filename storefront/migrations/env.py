"""Alembic environment of the storefront's own database."""

from common_core.migrations import run_env

run_env()
