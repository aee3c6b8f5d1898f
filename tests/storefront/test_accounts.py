"""Customer accounts as a shopper meets them: sign-up, sign-in, sign-out, password change, throttling."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import csrf_from, submit


def sign_up(client, email="ada@example.com", password="correct horse battery", name="Ada Lovelace"):
    return submit(client, "/account/signup", {"name": name, "email": email, "password": password})


def sign_in(client, email="ada@example.com", password="correct horse battery"):
    return submit(client, "/account/signin", {"email": email, "password": password})


def sign_out(client):
    page = client.get("/account")
    return client.post("/account/signout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def test_sign_up_signs_the_customer_in_and_publishes_registration(storefront):
    client = storefront.test_client()
    response = sign_up(client)
    assert response.status_code == 302
    profile = client.get("/account")
    assert profile.status_code == 200
    assert "ada@example.com" in profile.get_data(as_text=True)
    with storefront.app_context():
        db = storefront.extensions["sqlalchemy"]
        types = db.session.execute(sa.text("SELECT type FROM outbox_event")).scalars().all()
    assert types == ["customer.registered"]


def test_bad_sign_up_shows_errors_next_to_fields_and_keeps_input(storefront):
    client = storefront.test_client()
    response = sign_up(client, email="not-an-email", password="short", name="Grace")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in html and "Enter a valid email address." in html
    assert 'id="password-error"' in html and "between 8 and 128" in html
    assert 'value="Grace"' in html and 'value="not-an-email"' in html
    assert "short" not in html.split("<main", 1)[1].split('id="password"')[1].split(">")[0]


def test_long_passphrase_of_64_characters_is_accepted(storefront):
    assert sign_up(storefront.test_client(), password="x" * 64).status_code == 302


def test_duplicate_email_is_refused_next_to_the_email_field(storefront):
    sign_up(storefront.test_client())
    response = sign_up(storefront.test_client(), email="ADA@example.com")
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_sign_in_with_wrong_password_is_refused_with_a_clear_message(storefront):
    sign_up(storefront.test_client())
    response = sign_in(storefront.test_client(), password="wrong password")
    assert response.status_code == 422
    assert "email or password is not right" in response.get_data(as_text=True)


def test_sign_in_gives_a_new_session_and_sign_out_ends_it_server_side(storefront):
    sign_up(storefront.test_client())
    client = storefront.test_client()
    client.get("/account/signin")
    before = client.get_cookie("mkt_storefront").value
    assert sign_in(client).status_code == 302
    stolen = client.get_cookie("mkt_storefront").value
    assert stolen != before
    assert sign_out(client).status_code == 302
    assert client.get("/account").status_code == 302  # signed out here

    thief = storefront.test_client()
    thief.set_cookie("mkt_storefront", stolen)
    response = thief.get("/account")
    assert response.status_code == 302 and "/account/signin" in response.headers["Location"]


def test_sixth_failed_sign_in_within_minutes_is_refused_even_with_the_right_password(storefront):
    sign_up(storefront.test_client())
    client = storefront.test_client()
    for _ in range(5):
        assert sign_in(client, password="wrong password").status_code == 422
    response = sign_in(client)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)


def test_form_post_without_csrf_token_is_refused_and_creates_nothing(storefront):
    client = storefront.test_client()
    response = client.post("/account/signup", data={"name": "X", "email": "x@example.com", "password": "p" * 10})
    assert response.status_code == 400
    with storefront.app_context():
        count = storefront.extensions["sqlalchemy"].session.execute(sa.text("SELECT count(*) FROM customer")).scalar()
    assert count == 0


def test_password_change_needs_the_current_password(storefront):
    client = storefront.test_client()
    sign_up(client)
    wrong = submit(
        client,
        "/account/password",
        {"current_password": "nope nope", "new_password": "new pass phrase", "confirm_password": "new pass phrase"},
    )
    assert wrong.status_code == 422 and "current password is not right" in wrong.get_data(as_text=True)
    ok = submit(
        client,
        "/account/password",
        {
            "current_password": "correct horse battery",
            "new_password": "new pass phrase",
            "confirm_password": "new pass phrase",
        },
    )
    assert ok.status_code == 302
    sign_out(client)
    assert sign_in(storefront.test_client(), password="new pass phrase").status_code == 302


def test_sign_in_redirects_only_to_local_pages(storefront):
    sign_up(storefront.test_client())
    client = storefront.test_client()
    page = client.get("/account/signin?next=//evil.example/phish")
    response = client.post(
        "/account/signin",
        data={
            "email": "ada@example.com",
            "password": "correct horse battery",
            "next": "//evil.example/phish",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
