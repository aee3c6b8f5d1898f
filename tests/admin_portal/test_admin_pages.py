"""Every admin page is built the same way: CSP-safe markup, one h1, a label for each input."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_from, submit

INPUT_RE = re.compile(r"<(input|select|textarea)\b([^>]*)>")
ID_RE = re.compile(r'\bid="([^"]+)"')
LABEL_FOR_RE = re.compile(r'<label\b[^>]*\bfor="([^"]+)"')


def assert_well_formed(html: str) -> None:
    assert html.count("<h1") == 1
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script> breaks the CSP"
    assert "<style" not in html and not re.search(r"\sstyle=", html), "inline style breaks the CSP"
    assert not re.search(r"\son[a-z]+=", html), "inline event handlers break the CSP"
    labelled = set(LABEL_FOR_RE.findall(html))
    for tag, attrs in INPUT_RE.findall(html):
        if 'type="hidden"' in attrs:
            continue
        control_id = ID_RE.search(attrs)
        assert control_id and control_id.group(1) in labelled, f"<{tag}{attrs}> has no label"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/staff",
        "/staff/new",
        "/categories",
        "/categories/new",
        "/vendors",
        "/vendors/queue",
        "/audit",
        "/ledger",
        "/health",
        "/account/two-factor",
    ],
)
def test_owner_pages_are_well_formed(signed_in, make_staff, path):
    make_staff("sam@example.com", "support", status="disabled")
    response = signed_in("owner").get(path)
    assert response.status_code == 200
    assert_well_formed(response.get_data(as_text=True))


@pytest.mark.parametrize(
    "path", ["/categories", "/vendors", "/vendors/queue", "/audit?staff=nobody", "/vendors?q=nobody", "/ledger", "/"]
)
def test_empty_lists_say_so(signed_in, path):
    html = signed_in("owner").get(path).get_data(as_text=True)
    assert 'class="empty-state"' in html


def test_filled_category_vendor_and_audit_pages_are_well_formed(
    platform, signed_in, make_category, make_pending_vendor
):
    audio = make_category("Audio")
    make_category("Headphones", audio)
    retired = make_category("Radios", audio)
    vendor_id = make_pending_vendor()
    owner = signed_in("owner")
    owner.post(f"/categories/{retired}/retire", data={"csrf_token": csrf_from(owner.get("/").get_data(as_text=True))})
    for path in (
        "/categories",
        f"/categories/{audio}/edit",
        f"/categories/{audio}/retire",
        "/vendors",
        "/vendors/queue",
        f"/vendors/{vendor_id}",
        "/audit",
    ):
        response = owner.get(path)
        assert response.status_code == 200, path
        assert_well_formed(response.get_data(as_text=True))
    # Forms shown again with their errors keep the rules too.
    for response in (
        submit(owner, "/categories/new", {"name": "", "slug": "Bad slug"}),
        submit(owner, f"/vendors/{vendor_id}", {"decision": "reject"}, post_url=f"/vendors/{vendor_id}/decision"),
        owner.get("/audit?date_from=nonsense"),
    ):
        assert response.status_code == 422
        assert_well_formed(response.get_data(as_text=True))


def test_sign_in_page_and_a_staff_form_with_errors_are_well_formed(admin, signed_in):
    assert_well_formed(admin.test_client().get("/signin").get_data(as_text=True))
    response = submit(signed_in("owner"), "/staff/new", {"email": "x", "name": "", "role": "support"})
    assert response.status_code == 422
    assert_well_formed(response.get_data(as_text=True))


def test_refusal_pages_are_well_formed(signed_in):
    response = signed_in("analyst").get("/staff")
    assert response.status_code == 403
    assert_well_formed(response.get_data(as_text=True))
