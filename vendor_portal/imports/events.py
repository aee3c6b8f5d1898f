"""Events of the imports domain. It handles none and publishes none of its own: products it creates are
announced through the catalog's product.upserted (catalog.events), stock through inventory's adjust_stock."""

from __future__ import annotations
