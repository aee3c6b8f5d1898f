"""Staff sign-in and sign-out as staff meet them: sessions held server-side, throttling, CSRF."""

from __future__ import annotations

from tests.admin_portal.conftest import COOKIE, sign_in, sign_out, staff_rows
from tests.conftest import csrf_from


def test_staff_member_signs_in_and_is_greeted_on_an_honest_dashboard(admin, make_staff):
    make_staff("grace@example.com", "support", name="Grace Hopper")
    client = admin.test_client()
    response = sign_in(client, "GRACE@example.com ")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert "<h1>Dashboard</h1>" in html and html.count("<h1") == 1
    assert "Welcome, Grace Hopper" in html
    assert "appear here once orders arrive" in html
    assert 'class="stat' not in html  # no figures until there is data behind them
    account = html.split('class="site-nav-account"', 1)[1].split("</nav>", 1)[0]
    assert "grace@example.com" in account and 'class="badge badge-support"' in account
    assert 'action="/signout"' in account and 'name="csrf_token"' in account


def test_wrong_password_is_refused_with_a_clear_message(admin, make_staff):
    make_staff("grace@example.com")
    response = sign_in(admin.test_client(), "grace@example.com", "wrong password")
    assert response.status_code == 422
    assert "email or password is not right" in response.get_data(as_text=True)


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(admin):
    response = sign_in(admin.test_client(), "nobody@example.com", "whatever it is")
    assert response.status_code == 422
    assert "email or password is not right" in response.get_data(as_text=True)


def test_disabled_staff_member_cannot_sign_in(admin, make_staff):
    make_staff("gone@example.com", "analyst", status="disabled")
    response = sign_in(admin.test_client(), "gone@example.com")
    assert response.status_code == 422
    assert "This staff account is disabled" in response.get_data(as_text=True)


def test_sign_in_gives_a_new_session_and_sign_out_ends_it_so_a_stolen_cookie_stops_working(admin, make_staff):
    make_staff("grace@example.com")
    client = admin.test_client()
    client.get("/signin")
    before = client.get_cookie(COOKIE).value
    assert sign_in(client, "grace@example.com").status_code == 302
    stolen = client.get_cookie(COOKIE).value
    assert stolen != before
    assert client.get("/").status_code == 200

    response = sign_out(client)
    assert response.status_code == 302 and response.headers["Location"] == "/signin"
    assert client.get("/").status_code == 302

    thief = admin.test_client()
    thief.set_cookie(COOKIE, stolen)
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/signin")


def test_sixth_failed_sign_in_within_minutes_is_refused_even_with_the_right_password(admin, make_staff):
    make_staff("grace@example.com")
    client = admin.test_client()
    for _ in range(5):
        assert sign_in(client, "grace@example.com", "wrong password").status_code == 422
    response = sign_in(client, "grace@example.com")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not signed in


def test_sign_in_post_without_csrf_token_is_refused(admin, make_staff):
    make_staff("grace@example.com")
    client = admin.test_client()
    response = client.post("/signin", data={"email": "grace@example.com", "password": "correct horse battery"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_sign_out_without_csrf_token_is_refused_and_keeps_the_session(signed_in):
    client = signed_in("owner")
    assert client.post("/signout").status_code == 400
    assert client.get("/").status_code == 200


def test_sign_in_returns_to_the_page_asked_for_but_only_on_this_site(admin, make_staff):
    make_staff("grace@example.com")
    client = admin.test_client()
    asked = client.get("/staff")
    assert asked.status_code == 302 and asked.headers["Location"] == "/signin?next=%2Fstaff"
    page = client.get(asked.headers["Location"])
    assert 'value="/staff"' in page.get_data(as_text=True)  # carried in the form's hidden next field
    response = client.post(
        "/signin",
        data={
            "email": "grace@example.com",
            "password": "correct horse battery",
            "next": "/staff",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.headers["Location"] == "/staff"

    client = admin.test_client()
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={
            "email": "grace@example.com",
            "password": "correct horse battery",
            "next": "//evil.example/phish",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.headers["Location"] == "/"


def test_signed_in_staff_opening_sign_in_go_to_the_dashboard(signed_in):
    response = signed_in("analyst").get("/signin")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_sign_in_page_offers_only_sign_in_to_anonymous_visitors(admin):
    html = admin.test_client().get("/signin").get_data(as_text=True)
    nav = html.split('class="site-nav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/signin"' in nav
    assert "Dashboard" not in nav and "Staff" not in nav and "Sign out" not in nav
    assert staff_rows(admin) == {}
