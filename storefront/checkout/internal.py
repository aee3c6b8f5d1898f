"""Internal endpoints of the checkout domain, registered on the storefront's signed API."""

from __future__ import annotations
