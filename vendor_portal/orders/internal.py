"""Internal endpoints of the orders domain, registered on the vendor portal's signed API."""

from __future__ import annotations
