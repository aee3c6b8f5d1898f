"""Internal endpoints of the reviews domain, registered on the storefront's signed API."""

from __future__ import annotations
