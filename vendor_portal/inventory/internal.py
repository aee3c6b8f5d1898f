"""Internal endpoints of the inventory domain, registered on the vendor portal's signed API."""

from __future__ import annotations
