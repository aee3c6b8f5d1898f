"""Internal endpoints of the imports domain: none. Imports are a vendor's own tool, started from its pages and
run by the relay (the chore is registered in routes.py, where the blueprint meets the app)."""

from __future__ import annotations
