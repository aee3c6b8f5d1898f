"""Internal endpoints of the mail domain, registered on the storefront's signed API."""

from __future__ import annotations
