"""Reporting a product: a plain form linked from the product page, whose report joins admin_portal's
moderation queue through the signed internal API, once per form (report_id), and waits for the shopper's
retry when admin is down."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from storefront.reports import operations
from tests.conftest import csrf_from
from tests.storefront.conftest import main_of, page_text
from tests.storefront.profile_fixtures import customer_id, sign_up, sql

PAGE = "/p/1-wireless-headphones"
FORM = "/p/1/report"
THANKS = "Thanks — our team will review this product."
ADMIN_DOWN = "We couldn't send your report right now. Please try again in a few minutes."
REPORT_ID_RE = re.compile(r'name="report_id"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="report_id"')


@pytest.fixture
def headphones(shop):
    shop.product(1, title="Wireless Headphones", price="99.00")
    return shop


def form_keys(client, url: str = FORM) -> dict[str, str]:
    """The hidden fields of the report form as the page renders them: its CSRF token and report id."""
    page = client.get(url)
    assert page.status_code == 200, f"{url} answered {page.status_code}"
    return hidden_fields(page_text(page))


def hidden_fields(html: str) -> dict[str, str]:
    match = REPORT_ID_RE.search(html)
    assert match, "the form has no report_id"
    return {"csrf_token": csrf_from(html), "report_id": match.group(1) or match.group(2)}


def send(client, data: dict, keys: dict[str, str] | None = None, url: str = FORM):
    return client.post(url, data={**(keys or form_keys(client, url)), **data})


def flags(platform) -> list:
    """The admin portal's moderation rows, read from its own database."""
    return sql(
        platform.admin,
        "SELECT product_id, kind, status, title, reason, reporter, report_id FROM moderation_flag ORDER BY id",
    )


def text_of(response) -> str:
    return html_lib.unescape(page_text(response))


def test_the_product_page_links_to_the_report_form(storefront, headphones):
    html = main_of(page_text(storefront.test_client().get(PAGE)))

    assert f'<a href="{FORM}">Report this product</a>' in html


def test_a_guest_reports_a_product_with_a_plain_form_and_it_joins_the_moderation_queue(
    platform, storefront, headphones
):
    client = storefront.test_client()
    page = client.get(FORM)
    html = main_of(page_text(page))
    assert page.status_code == 200
    assert "<h1" in html and "Report this product" in html and "Wireless Headphones" in html
    # Works without JavaScript: a form posted to the page itself, nothing htmx-only.
    assert f'<form method="post" action="{FORM}"' in html and "hx-" not in html
    assert '<label class="field-label" for="reason">' in html
    for label in (
        "Counterfeit or fake",
        "Prohibited or dangerous item",
        "Offensive content",
        "Misleading description or price",
        "Something else",
    ):
        assert f">{label}</option>" in html
    assert '<label class="field-label" for="details">' in html and 'maxlength="1000"' in html
    assert '<label class="field-label" for="email">Your email address' in html

    keys = hidden_fields(html)
    response = send(
        client, {"reason": "counterfeit", "details": "  The logo is misspelt.  ", "email": "sam@example.com"}, keys
    )

    assert response.status_code == 303 and response.headers["Location"] == PAGE
    assert THANKS in page_text(client.get(PAGE))
    [flag] = flags(platform)
    assert tuple(flag) == (
        1,
        "report",
        "open",
        "Wireless Headphones",
        "Counterfeit or fake: The logo is misspelt.",
        "sam@example.com",
        keys["report_id"],
    )


def test_a_signed_in_customer_is_not_asked_for_an_email_and_is_named_as_the_reporter(platform, storefront, headphones):
    client = sign_up(storefront)

    html = main_of(page_text(client.get(FORM)))
    assert 'name="email"' not in html

    response = send(client, {"reason": "misleading", "email": "someone.else@example.com"})

    assert response.status_code == 303
    [flag] = flags(platform)
    assert (flag.reason, flag.reporter) == ("Misleading description or price", f"customer:{customer_id(storefront)}")


def test_a_guest_may_leave_no_email(platform, storefront, headphones):
    response = send(storefront.test_client(), {"reason": "other", "details": "", "email": ""})

    assert response.status_code == 303
    assert [(f.reason, f.reporter) for f in flags(platform)] == [("Something else", None)]


def test_each_showing_of_the_form_carries_its_own_report_id(storefront, headphones):
    client = storefront.test_client()

    first, second = form_keys(client)["report_id"], form_keys(client)["report_id"]

    assert first != second and re.fullmatch(r"[0-9a-f]{32}", first)


def test_a_double_submit_of_one_form_makes_one_report(platform, storefront, headphones):
    client = storefront.test_client()
    keys = form_keys(client)
    data = {"reason": "offensive", "details": "Rude words in the pictures."}

    first = send(client, data, keys)
    again = send(client, data, keys)

    assert first.status_code == again.status_code == 303
    assert [(f.reason, f.report_id) for f in flags(platform)] == [
        ("Offensive content: Rude words in the pictures.", keys["report_id"])
    ]
    assert send(client, data).status_code == 303  # a new showing of the form is a new report
    assert len(flags(platform)) == 2


def test_a_report_without_a_reason_says_so_next_to_the_field_and_sends_nothing(platform, storefront, headphones):
    response = send(storefront.test_client(), {"reason": "", "details": "Smells of smoke.", "email": "sam@example.com"})

    assert response.status_code == 422
    html = text_of(response)
    assert 'id="reason-error"' in html and "Choose what is wrong with this product." in html
    assert "\nSmells of smoke.</textarea>" in html and 'value="sam@example.com"' in html
    assert flags(platform) == []


def test_details_over_1000_characters_are_refused_with_a_message(platform, storefront, headphones):
    client = storefront.test_client()
    response = send(client, {"reason": "prohibited", "details": "x" * 1001})

    assert response.status_code == 422
    html = text_of(response)
    assert 'id="details-error"' in html and "Write at most 1000 characters (1001 now)." in html
    assert 'id="reason"' in html and '<option selected value="prohibited">' in html
    assert send(client, {"reason": "nonsense"}).status_code == 422
    assert send(client, {"reason": "other", "email": "not an email"}).status_code == 422
    assert flags(platform) == []


def test_the_text_sent_is_the_reason_then_the_details_within_admins_limit(platform, storefront, headphones):
    response = send(storefront.test_client(), {"reason": "prohibited", "details": "y" * 1000})

    assert response.status_code == 303
    [flag] = flags(platform)
    assert len(flag.reason) == 1000 and flag.reason.startswith("Prohibited or dangerous item: yyy")
    assert operations.report_text("Something else", "  ") == "Something else"


def test_admin_down_keeps_what_was_typed_and_a_retry_sends_it_once(platform, storefront, headphones):
    client = storefront.test_client()
    keys = form_keys(client)
    data = {"reason": "counterfeit", "details": "Fake serial number.", "email": "sam@example.com"}
    platform.adapters["admin_portal"].down = True

    response = send(client, data, keys)

    assert response.status_code == 503
    html = text_of(response)
    assert ADMIN_DOWN in main_of(html) and "unavailable" not in main_of(html)  # plain words, no service names
    assert '<option selected value="counterfeit">' in html
    assert "\nFake serial number.</textarea>" in html and 'value="sam@example.com"' in html
    retry_keys = hidden_fields(html)
    assert retry_keys["report_id"] == keys["report_id"]  # the retry is the same report
    assert flags(platform) == []

    platform.adapters["admin_portal"].down = False
    again = send(client, data, retry_keys)

    assert again.status_code == 303
    assert [(f.reason, f.reporter, f.report_id) for f in flags(platform)] == [
        ("Counterfeit or fake: Fake serial number.", "sam@example.com", keys["report_id"])
    ]


def test_a_refusal_by_admin_is_shown_as_a_form_error(platform, storefront, headphones, monkeypatch):
    client = storefront.test_client()
    keys = form_keys(client)
    # Something admin's endpoint refuses (422): a reason longer than it accepts.
    monkeypatch.setattr(operations, "report_text", lambda reason, details: "z" * 1001)

    response = send(client, {"reason": "other", "details": "Odd listing."}, keys)

    assert response.status_code == 422
    html = text_of(response)
    assert 'class="error-summary"' in html and "did not accept this report" in html
    assert "\nOdd listing.</textarea>" in html
    assert flags(platform) == []


def test_a_product_that_is_not_listed_cannot_be_reported(platform, storefront, headphones):
    client = storefront.test_client()
    keys = form_keys(client)

    assert client.get("/p/999/report").status_code == 404
    assert send(client, {"reason": "other"}, keys, url="/p/999/report").status_code == 404
    headphones.remove(1)
    assert client.get(FORM).status_code == 404
    assert send(client, {"reason": "other"}, keys).status_code == 404
    assert flags(platform) == []


def test_a_report_without_its_csrf_token_is_refused(platform, storefront, headphones):
    client = storefront.test_client()
    keys = form_keys(client)

    response = client.post(FORM, data={"reason": "other", "report_id": keys["report_id"]})

    assert response.status_code == 400 and "security token" in page_text(response)
    assert flags(platform) == []
