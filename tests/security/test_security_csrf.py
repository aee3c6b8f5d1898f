"""Every state-changing form needs its CSRF token: a POST from a signed-in browser without one, or with a
token of another session, answers 400 and changes nothing in any of the three databases.

Routes are every POST/PUT/PATCH/DELETE rule of the browser-facing apps (the signed /internal/ API has no
browser and is covered by the signature suite), read from the url_maps, filled with real ids.
"""

from __future__ import annotations

import pytest

from tests.conftest import csrf_from
from tests.security.routes import write_routes
from tests.security.world import World, changed_tables, platform_fingerprint

SIGNED_IN = {"storefront": "customer", "vendor_portal": "vendor_a", "admin_portal": "owner"}
# A page of each portal an anonymous visitor can open, to take a real token of *another* session from.
PUBLIC_FORM = {"storefront": "/account/signin", "vendor_portal": "/account/signin", "admin_portal": "/signin"}
# Plausible fields, so a view that skipped the CSRF check would have something to act on.
FIELDS = {
    "quantity": "1",
    "variant_id": "1",
    "name": "Changed",
    "title": "Changed",
    "status": "suspended",
    "decision": "suspend",
    "reason": "test",
    "delta": "5",
    "email": "changed@example.com",
    "direction": "up",
    "confirmed": "yes",
    "step": "confirm",
}

ROUTES = [route for service in ("storefront", "vendor_portal", "admin_portal") for route in write_routes(service)]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_a_form_post_without_its_token_is_refused_and_changes_nothing(world: World, route) -> None:
    service = route.service
    url = route.url(world.ids[service], world.endpoint_ids[service])
    client = world.client(service, SIGNED_IN[service])
    foreign = csrf_from(world.client(service, "anonymous").get(PUBLIC_FORM[service]).get_data(as_text=True))
    before = platform_fingerprint(world.platform)
    for method in sorted(route.methods - {"GET"}):
        for label, extra in (("no token", {}), ("another session's token", {"csrf_token": foreign})):
            response = client.open(url, method=method, data={**FIELDS, **extra})
            assert response.status_code == 400, f"{method} {url} with {label} answered {response.status_code}"
            assert "security token" in response.get_data(as_text=True), "the refusal does not say why"
    after = platform_fingerprint(world.platform)
    assert not changed_tables(before, after), f"{url} changed {changed_tables(before, after)} without a token"
