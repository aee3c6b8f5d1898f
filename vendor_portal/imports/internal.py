"""Internal endpoints of the imports domain, registered on the vendor portal's signed API."""

from __future__ import annotations
