"""docs/architecture.md stays true: every internal endpoint and every event the code knows is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from common_core.contracts import EVENTS

DOC = (Path(__file__).resolve().parent.parent / "docs" / "architecture.md").read_text()


def _documented_paths() -> set[str]:
    # Rows like: | vendor_portal | `POST /internal/reservations/<order_id>/commit` | ...
    return {m.group(1) for m in re.finditer(r"`(?:GET|POST|PUT|PATCH|DELETE) (/internal/[^`?\s]*)", DOC)}


@pytest.mark.parametrize("service", ["storefront", "admin_portal", "vendor_portal"])
def test_every_internal_endpoint_is_in_the_architecture_doc(_platform, service):
    app = _platform.apps[service]
    rules = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/internal/")
    }
    documented = {re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", path) for path in _documented_paths()}
    missing = sorted(rules - documented)
    assert not missing, f"{service} serves internal endpoints docs/architecture.md does not list: {missing}"


def test_every_event_is_in_the_architecture_doc():
    missing = [name for name in EVENTS if f"`{name}`" not in DOC]
    assert not missing, f"events missing from docs/architecture.md: {missing}"
