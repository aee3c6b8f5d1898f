"""Events of the traffic domain: handlers registered in the storefront's inbox, and events it publishes."""

from __future__ import annotations
