"""Internal endpoints of the traffic domain, registered on the storefront's signed API."""

from __future__ import annotations
