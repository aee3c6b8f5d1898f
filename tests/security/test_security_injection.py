"""SQL metacharacters, wildcards, very long text and NUL in every search and filter parameter answer 200, or
a 4xx that says what is wrong, never a 5xx.

The parameters are found, not listed: the fields of every GET form and the query parameters of every link
on each portal's pages (tests/security/forms.py), plus the query parameters each internal GET operation
declares in its OpenAPI (sent signed by its caller).
"""

from __future__ import annotations

import re

import pytest

from common_core.errors import PeerError, PeerUnavailable
from common_core.internal.client import InternalClient
from tests.security.forms import query_inputs
from tests.security.routes import internal_operations, page_routes
from tests.security.world import World

VALUES = (
    "' OR 1=1 --",
    "%",
    "_",
    "\\",
    ";DROP TABLE x",
    "x" * 5000,
    "a\x00b",
    "%' UNION SELECT NULL --",
    "-1",
    "99999999999999999999",
)
SIGNED_IN = {"storefront": "customer", "vendor_portal": "vendor_a", "admin_portal": "owner"}


def discovered(world: World, service: str) -> dict[str, set[str]]:
    client = world.client(service, SIGNED_IN[service])
    targets: dict[str, set[str]] = {}
    for route in page_routes(service):
        url = route.url(world.ids[service], world.endpoint_ids[service])
        response = client.get(url, follow_redirects=True)
        if response.status_code == 200 and response.mimetype == "text/html":
            for path, names in query_inputs(url, response.get_data(as_text=True)).items():
                targets.setdefault(path, set()).update(names)
    return targets


@pytest.mark.parametrize("service", ["storefront", "vendor_portal", "admin_portal"])
def test_search_and_filter_parameters_never_fail_with_a_server_error(world: World, service: str) -> None:
    targets = discovered(world, service)
    assert targets, f"no search or filter parameter found on any {service} page"
    client = world.client(service, SIGNED_IN[service])
    problems = []
    for path, names in sorted(targets.items()):
        for name in sorted(names):
            for value in VALUES:
                try:
                    response = client.get(path, query_string={name: value})
                except Exception as exc:  # noqa: BLE001 - the test app re-raises what would be a 500
                    problems.append(f"{path}?{name}={value[:30]!r}: 500 ({type(exc).__name__}: {str(exc)[:120]})")
                    continue
                body = response.get_data(as_text=True)
                if response.status_code >= 500:
                    problems.append(f"{path}?{name}={value[:30]!r}: {response.status_code}")
                elif 400 <= response.status_code < 500 and not re.search(r"\w{3,}", re.sub(r"<[^>]+>", " ", body)):
                    problems.append(f"{path}?{name}={value[:30]!r}: {response.status_code} with no message")
    checked = sum(len(n) for n in targets.values())
    assert not problems, f"{len(problems)} of {checked * len(VALUES)} requests failed:\n" + "\n".join(problems)


INTERNAL_GETS = [
    (service, path, operation)
    for service in ("storefront", "vendor_portal", "admin_portal")
    for method, path, operation in internal_operations(service)
    if method == "GET" and any(p["in"] == "query" for p in operation.get("parameters", []))
]


@pytest.mark.parametrize(("service", "path", "operation"), INTERNAL_GETS, ids=lambda v: v if isinstance(v, str) else "")
def test_internal_search_parameters_never_fail_with_a_server_error(world: World, service, path, operation) -> None:
    caller = (operation.get("x-callers") or ["admin_portal"])[0]
    names = [p["name"] for p in operation["parameters"] if p["in"] == "query"]
    problems = []
    with world.app(caller).app_context():
        client = InternalClient.for_peer(service, retries=0)
        for name in names:
            for value in VALUES:
                try:
                    client.get(path, params={name: value})
                except PeerError as exc:
                    if not exc.message:
                        problems.append(f"{name}={value[:30]!r}: {exc.status} with no message")
                except PeerUnavailable as exc:
                    problems.append(f"{name}={value[:30]!r}: {exc.message}")
                except Exception as exc:  # noqa: BLE001 - the test app re-raises what would be a 500
                    problems.append(f"{name}={value[:30]!r}: 500 ({type(exc).__name__}: {str(exc)[:120]})")
    assert not problems, f"GET {path}\n" + "\n".join(problems)
