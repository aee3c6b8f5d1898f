"""Vendor accounts as a seller meets them: joining, signing in and out, throttling, and the store's standing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import submit
from tests.vendor_portal.conftest import PASSWORD, outbox, sign_in, sign_out, sign_up
from vendor_portal.accounts import operations as account_operations


def vendor_rows(app):
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        rows = db.session.execute(sa.text("SELECT store_name, slug, status, email FROM vendor ORDER BY id")).all()
        db.session.remove()
    return rows


def test_sign_up_creates_a_pending_store_signs_in_and_announces_it(vendor):
    client = vendor.test_client()
    response = sign_up(client, store_name="  Acme   Audio ", email="Ada@Acme.Example")
    assert response.status_code == 302 and response.headers["Location"] == "/"

    dashboard = client.get("/").get_data(as_text=True)
    assert "Acme Audio" in dashboard
    assert "Your store is awaiting approval: you can prepare listings, publishing opens once an admin approves" in (
        dashboard
    )
    assert vendor_rows(vendor) == [("Acme Audio", "acme-audio", "pending", "ada@acme.example")]
    [(event_type, data)] = outbox(vendor)
    assert event_type == "vendor.upserted"
    assert data["status"] == "pending" and data["store_name"] == "Acme Audio" and data["slug"] == "acme-audio"
    assert data["created_at"]


def test_bad_sign_up_shows_errors_next_to_fields_and_keeps_input(vendor):
    response = sign_up(
        vendor.test_client(), store_name="", contact_name="Grace", email="not-an-email", password="short"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="store_name-error"' in html and "Enter your store&#39;s name." in html
    assert 'id="email-error"' in html and "Enter a valid email address." in html
    assert 'id="password-error"' in html and "between 8 and 128" in html
    assert 'value="Grace"' in html and 'value="not-an-email"' in html
    password_input = html.split('id="password"', 1)[1].split(">", 1)[0]
    assert "short" not in password_input
    assert vendor_rows(vendor) == []


def test_a_store_name_taken_in_any_case_is_refused_next_to_the_store_name_field(vendor):
    sign_up(vendor.test_client(), store_name="Acme Audio")
    response = sign_up(vendor.test_client(), store_name="ACME audio", email="other@acme.example")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="store_name-error"' in html and "A store with this name already exists" in html
    assert 'value="other@acme.example"' in html
    assert len(vendor_rows(vendor)) == 1


@pytest.mark.parametrize("taken", ["store_name", "email"])
def test_losing_a_race_to_a_simultaneous_sign_up_is_refused_next_to_the_field(vendor, monkeypatch, taken):
    sign_up(vendor.test_client())
    # As if the other sign-up committed after this one looked: the unique indexes decide.
    monkeypatch.setattr(account_operations, "vendor_by_store_name", lambda name: None)
    monkeypatch.setattr(account_operations, "vendor_user_by_email", lambda email: None)
    clash = {"store_name": "Another Store", "email": "other@acme.example"}
    clash[taken] = {"store_name": "Acme Audio", "email": "ada@acme.example"}[taken]
    response = sign_up(vendor.test_client(), **clash)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    message = "A store with this name already exists" if taken == "store_name" else "An account with this email"
    assert f'id="{taken}-error"' in html and message in html
    assert len(vendor_rows(vendor)) == 1


def test_an_email_already_signed_up_is_refused_next_to_the_email_field(vendor):
    sign_up(vendor.test_client())
    response = sign_up(vendor.test_client(), store_name="Another Store", email="ADA@acme.example")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in html and "An account with this email already exists" in html
    assert len(vendor_rows(vendor)) == 1


def test_stores_whose_names_slug_alike_get_distinct_slugs(vendor):
    sign_up(vendor.test_client(), store_name="Tea & Co", email="a@tea.example")
    sign_up(vendor.test_client(), store_name="Tea Co", email="b@tea.example")
    assert [row.slug for row in vendor_rows(vendor)] == ["tea-co", "tea-co-2"]


def test_sign_in_with_a_wrong_password_is_refused_with_a_clear_message(vendor):
    sign_up(vendor.test_client())
    response = sign_in(vendor.test_client(), password="wrong password")
    assert response.status_code == 422
    assert "The email or password is not right." in response.get_data(as_text=True)


def test_sign_in_gives_a_new_session_and_sign_out_ends_it_server_side(vendor):
    sign_up(vendor.test_client())
    client = vendor.test_client()
    client.get("/account/signin")
    before = client.get_cookie("mkt_vendor_portal").value
    response = sign_in(client, follow_redirects=True)
    assert response.status_code == 200 and "Acme Audio" in response.get_data(as_text=True)
    stolen = client.get_cookie("mkt_vendor_portal").value
    assert stolen != before

    assert sign_out(client).status_code == 302
    assert client.get("/").status_code == 302

    thief = vendor.test_client()
    thief.set_cookie("mkt_vendor_portal", stolen)
    response = thief.get("/products")
    assert response.status_code == 302 and "/account/signin" in response.headers["Location"]


def test_sixth_failed_sign_in_within_minutes_is_refused_even_with_the_right_password(vendor):
    sign_up(vendor.test_client())
    client = vendor.test_client()
    for _ in range(5):
        assert sign_in(client, password="wrong password").status_code == 422
    response = sign_in(client, password=PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)


def test_form_post_without_csrf_token_is_refused_and_creates_nothing(vendor):
    response = vendor.test_client().post(
        "/account/signup",
        data={"store_name": "Sneaky", "contact_name": "X", "email": "x@example.com", "password": "p" * 10},
    )
    assert response.status_code == 400
    assert vendor_rows(vendor) == []


@pytest.mark.parametrize("path", ["/", "/products", "/products/new", "/products/1/edit"])
def test_store_pages_ask_an_anonymous_visitor_to_sign_in(vendor, path):
    response = vendor.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/signin")


@pytest.mark.parametrize(("next_url", "lands_on"), [("//evil.example/phish", "/"), ("/products", "/products")])
def test_sign_in_redirects_only_to_local_pages(vendor, next_url, lands_on):
    sign_up(vendor.test_client())
    response = submit(
        vendor.test_client(),
        f"/account/signin?next={next_url}",
        {"email": "ada@acme.example", "password": PASSWORD, "next": next_url},
        post_url="/account/signin",
    )
    assert response.status_code == 302 and response.headers["Location"] == lands_on


def test_the_demo_seed_loads_once_and_its_vendors_can_sign_in(vendor):
    runner = vendor.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--products", "12"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(args=["seed-demo", "--products", "12"])
    assert again.exit_code == 0, again.output
    stores = {row.store_name: row.status for row in vendor_rows(vendor)}
    assert stores["Northwind Audio"] == "approved" and stores["Pending Pottery"] == "pending"

    client = vendor.test_client()
    assert sign_in(client, "vendor@example.com", "vendor-demo-pass").status_code == 302
    assert sign_in(vendor.test_client(), "pending@example.com", "vendor-demo-pass").status_code == 302
