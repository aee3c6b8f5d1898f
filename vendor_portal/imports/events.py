"""Events of the imports domain: handlers registered in the vendor portal's inbox, and events it publishes."""

from __future__ import annotations
