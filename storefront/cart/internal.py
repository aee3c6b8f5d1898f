"""Internal endpoints of the cart domain, registered on the storefront's signed API."""

from __future__ import annotations
