"""The profile as a customer meets it: their name, their email address, and the account navigation."""

from __future__ import annotations

import pytest

from storefront.account import operations as account_operations
from tests.conftest import submit
from tests.storefront.profile_fixtures import PASSWORD, customer_id, scalar, sign_in, sign_up


def main(response) -> str:
    return response.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]


def test_profile_shows_the_account_and_its_navigation(storefront):
    client = sign_up(storefront)
    html = main(client.get("/account"))

    assert html.count("<h1") == 1 and "ada@example.com" in html
    assert '<nav class="account-nav panel" aria-label="Your account">' in html
    for href in ("/account", "/orders", "/account/addresses", "/account/wishlist", "/account/password"):
        assert f'href="{href}"' in html
    assert '<a href="/account" aria-current="page"><strong>Profile</strong></a>' in html


def test_a_guest_is_sent_to_sign_in_and_back(storefront):
    for url in ("/account", "/account/email", "/account/addresses", "/account/wishlist"):
        response = storefront.test_client().get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/signin?next=")


def test_customer_changes_their_name(storefront):
    client = sign_up(storefront)
    response = submit(client, "/account", {"name": "  Ada King  "})

    assert response.status_code == 302
    assert scalar(storefront, "SELECT name FROM customer") == "Ada King"
    assert "Ada King" in client.get("/account").get_data(as_text=True)


def test_an_empty_or_too_long_name_is_refused_next_to_the_field_and_kept(storefront):
    client = sign_up(storefront)

    blank = submit(client, "/account", {"name": "   "})
    assert blank.status_code == 422
    assert 'id="name-error"' in main(blank) and "Enter your name." in main(blank)

    long_name = "A" * 121
    too_long = submit(client, "/account", {"name": long_name})
    assert too_long.status_code == 422
    assert "at most 120 characters" in main(too_long) and f'value="{long_name}"' in main(too_long)
    assert scalar(storefront, "SELECT name FROM customer") == "Ada Lovelace"


def test_email_change_needs_the_current_password(storefront):
    client = sign_up(storefront)
    response = submit(client, "/account/email", {"email": "ada.k@example.com", "current_password": "not it at all"})

    assert response.status_code == 422
    html = main(response)
    assert 'id="current_password-error"' in html and "current password is not right" in html
    assert 'value="ada.k@example.com"' in html  # what was typed is kept
    assert scalar(storefront, "SELECT email FROM customer") == "ada@example.com"


def test_email_change_is_normalised_and_the_new_address_signs_in(storefront):
    client = sign_up(storefront)
    response = submit(client, "/account/email", {"email": "  Ada.K@Example.COM ", "current_password": PASSWORD})

    assert response.status_code == 302
    assert scalar(storefront, "SELECT email FROM customer") == "ada.k@example.com"
    _, old = sign_in(storefront, "ada@example.com")
    assert old.status_code == 422
    _, new = sign_in(storefront, "ADA.K@example.com")
    assert new.status_code == 302


def test_email_change_records_nothing_but_the_change(storefront):
    client = sign_up(storefront)
    events_before = scalar(storefront, "SELECT count(*) FROM outbox_event")
    submit(client, "/account/email", {"email": "ada.k@example.com", "current_password": PASSWORD})

    assert scalar(storefront, "SELECT count(*) FROM outbox_event") == events_before


@pytest.mark.parametrize("taken", ["before the lookup", "after the lookup"])
def test_email_already_used_by_another_account_is_refused_next_to_the_field(storefront, monkeypatch, taken):
    sign_up(storefront, "grace@example.com", "Grace Hopper")
    client = sign_up(storefront)
    if taken == "after the lookup":
        # As if Grace's sign-up committed after this change looked the address up: the unique index decides.
        monkeypatch.setattr(account_operations, "customer_by_email", lambda email: None)
    response = submit(client, "/account/email", {"email": "GRACE@example.com", "current_password": PASSWORD})

    assert response.status_code == 422
    html = main(response)
    assert 'id="email-error"' in html and "Another account uses this email address." in html
    assert scalar(storefront, "SELECT email FROM customer WHERE id = :id", id=customer_id(storefront)) == (
        "ada@example.com"
    )


def test_an_invalid_email_is_refused_next_to_the_field(storefront):
    client = sign_up(storefront)
    response = submit(client, "/account/email", {"email": "not-an-email", "current_password": PASSWORD})

    assert response.status_code == 422
    assert 'id="email-error"' in main(response) and "Enter a valid email address." in main(response)
