"""Internal endpoints of the orders domain, registered on the storefront's signed API."""

from __future__ import annotations
