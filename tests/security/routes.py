"""Every route of every portal, read from the apps' url_maps at collection time, and filled with real ids.

Collection builds the three apps without touching a database (create_app does not connect), so the
parametrised suites grow by themselves as routes are added.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import Flask
from werkzeug.routing import Rule

from tests.conftest import _factory, test_config

SERVICES = ("storefront", "vendor_portal", "admin_portal")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@cache
def offline_app(service: str) -> Flask:
    """An app to read routes and guards from (its database URL points nowhere and is never used)."""
    return _factory(service)(test_config(service, "postgresql+psycopg://nobody@127.0.0.1:9/none"))


@dataclass(frozen=True)
class Route:
    service: str
    rule: str
    endpoint: str
    methods: frozenset[str]
    params: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.service}:{','.join(sorted(self.methods))}:{self.rule}"

    def url(self, ids: dict[str, Any], endpoint_ids: dict[str, dict[str, Any]] | None = None) -> str:
        """The rule with its parameters filled from `ids` (endpoint-specific values first)."""
        values = {**ids, **((endpoint_ids or {}).get(self.endpoint, {}))}
        missing = [p for p in self.params if p not in values]
        if missing:
            raise LookupError(
                f"{self.id} has parameter(s) {missing} that tests/security/world.py does not know: add the id "
                f"of an object the first principal owns to World.ids[{self.service!r}]."
            )
        rule = _rule(self.service, self.rule, self.endpoint)
        built = rule.build({p: values[p] for p in self.params}, append_unknown=False)
        assert built is not None, f"cannot build {self.id} from {values}"
        return built[1]


def _rule(service: str, text: str, endpoint: str) -> Rule:
    app = offline_app(service)
    return next(r for r in app.url_map.iter_rules() if r.rule == text and r.endpoint == endpoint)


def all_routes(service: str) -> list[Route]:
    app = offline_app(service)
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        methods = frozenset((rule.methods or set()) - {"HEAD", "OPTIONS"})
        found.append(Route(service, rule.rule, rule.endpoint, methods, tuple(sorted(rule.arguments))))
    return found


def is_static(route: Route) -> bool:
    return route.endpoint == "static" or route.endpoint.endswith(".static")


def page_routes(service: str) -> list[Route]:
    """GET routes a browser can open: not static files, not the signed internal API."""
    return [
        r
        for r in all_routes(service)
        if "GET" in r.methods and not is_static(r) and not r.rule.startswith("/internal/")
    ]


def write_routes(service: str) -> list[Route]:
    """State-changing routes of the browser-facing app (the signed internal API has no browser, no CSRF)."""
    return [
        r
        for r in all_routes(service)
        if r.methods & WRITE_METHODS and not is_static(r) and not r.rule.startswith("/internal/")
    ]


def view_of(service: str, endpoint: str) -> Any:
    return offline_app(service).view_functions[endpoint]


def allowed_roles(service: str, endpoint: str) -> frozenset[str] | None:
    """The roles an admin view's roles_required guard lets in (None: the view has no guard)."""
    return getattr(view_of(service, endpoint), "allowed_roles", None)


def internal_operations(service: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, OpenAPI path, operation) of every operation the service's internal API describes."""
    import sys

    offline_app(service)
    api = sys.modules[f"{service}.internal.routes"].api
    return [
        (method.upper(), path, operation)
        for path, operations in sorted(api.openapi()["paths"].items())
        for method, operation in sorted(operations.items())
    ]
