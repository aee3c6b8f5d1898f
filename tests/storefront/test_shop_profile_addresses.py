"""The address book: add, edit, delete after confirming, one default at most, and only one's own."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_from, submit
from tests.storefront.profile_fixtures import customer_id, post_form, sign_up, sql

HOME = {
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "line2": "",
    "city": "London",
    "postcode": "sw1y 4jh",
    "country": "GB",
    "phone": "",
}
WORK = {**HOME, "line1": "1 Analytical Street", "city": "Cambridge", "postcode": "CB2 1TN", "phone": "+44 1223 000000"}


def main(response) -> str:
    return response.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]


def add(client, data, **extra):
    return submit(client, "/account/addresses/new", {**data, **extra})


def addresses(app) -> list:
    return sql(app, "SELECT id, line1, postcode, line2, phone, is_default FROM address ORDER BY id")


def test_an_empty_address_book_says_so_and_offers_to_add_one(storefront):
    html = main(sign_up(storefront).get("/account/addresses"))

    assert "No addresses yet" in html and 'href="/account/addresses/new"' in html


def test_first_address_becomes_the_default_and_is_listed_with_its_country_name(storefront):
    client = sign_up(storefront)
    assert add(client, HOME).status_code == 302

    [row] = addresses(storefront)
    assert row.is_default and row.postcode == "SW1Y 4JH" and row.line2 is None and row.phone is None
    html = main(client.get("/account/addresses"))
    assert "12 St James&#39;s Square" in html and "United Kingdom" in html and "Default" in html


def test_country_select_lists_countries_by_name(storefront):
    html = main(sign_up(storefront).get("/account/addresses/new"))

    assert '<option value="">Choose a country</option>' in html
    assert '<option value="DE">Germany</option>' in html and '<option value="JP">Japan</option>' in html


def test_a_refused_address_keeps_the_chosen_country_selected(storefront):
    response = add(sign_up(storefront), {**HOME, "postcode": "SW1 <4JH>", "country": "JP"})

    html = main(response)
    assert response.status_code == 422
    assert html.count("<option selected") == 1 and '<option selected value="JP">Japan</option>' in html


@pytest.mark.parametrize("chosen", ["", "GB", "AX", "XX", None])
def test_the_country_select_renders_as_wtforms_own_select_would(chosen):
    # CountrySelect keeps its options rendered; the HTML must stay what WTForms' widget produces.
    from wtforms import Form, SelectChoice, SelectField

    from storefront.account.countries import COUNTRY_CHOICES, COUNTRY_PROMPT, country_field

    choices = [SelectChoice("", COUNTRY_PROMPT), *(SelectChoice(code, name) for code, name in COUNTRY_CHOICES)]

    class Stock(Form):
        country = SelectField("Country", choices=choices, validate_choice=False)

    class Kept(Form):
        country = country_field()

    extra = {"aria-invalid": "true", "aria-describedby": "country-error", "required": True}
    assert str(Kept(data={"country": chosen}).country(**extra)) == str(Stock(data={"country": chosen}).country(**extra))


def test_bad_address_keeps_input_and_shows_each_error_next_to_its_field(storefront):
    client = sign_up(storefront)
    response = add(client, {**HOME, "line1": "   ", "postcode": "SW1 <4JH>", "country": "XX", "phone": "call me"})

    assert response.status_code == 422
    html = main(response)
    assert 'id="line1-error"' in html and "Enter the street and number." in html
    assert 'id="postcode-error"' in html and "letters, digits, spaces and hyphens" in html
    assert 'id="country-error"' in html and "Choose a country from the list." in html
    assert 'id="phone-error"' in html
    assert 'value="Ada Lovelace"' in html and 'value="London"' in html and 'value="call me"' in html
    assert addresses(storefront) == []


def test_missing_country_is_refused(storefront):
    response = add(sign_up(storefront), {**HOME, "country": ""})

    assert response.status_code == 422 and "Choose a country." in main(response)


def test_customer_edits_an_address(storefront):
    client = sign_up(storefront)
    add(client, HOME)
    [row] = addresses(storefront)
    page = client.get(f"/account/addresses/{row.id}/edit")
    assert 'value="12 St James&#39;s Square"' in main(page)

    response = submit(client, f"/account/addresses/{row.id}/edit", {**HOME, "line2": "Flat 3", "city": "Londinium"})
    assert response.status_code == 302
    assert sql(storefront, "SELECT line2, city FROM address")[0] == ("Flat 3", "Londinium")


def test_setting_a_new_default_unsets_the_old_one(storefront):
    client = sign_up(storefront)
    add(client, HOME)
    add(client, WORK, is_default="y")
    home, work = addresses(storefront)
    assert (home.is_default, work.is_default) == (False, True)

    response = post_form(client, "/account/addresses", f"/account/addresses/{home.id}/default")
    assert response.status_code == 302
    home, work = addresses(storefront)
    assert (home.is_default, work.is_default) == (True, False)
    assert main(client.get("/account/addresses")).index("12 St James") < main(client.get("/account/addresses")).index(
        "1 Analytical Street"
    )  # the default is listed first


def test_the_database_holds_at_most_one_default_per_customer(storefront):
    client = sign_up(storefront)
    add(client, HOME)
    add(client, WORK)
    with storefront.app_context():
        db = storefront.extensions["sqlalchemy"]
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text("UPDATE address SET is_default = true"))
        db.session.rollback()


def test_delete_asks_first_then_deletes(storefront):
    client = sign_up(storefront)
    add(client, HOME)
    [row] = addresses(storefront)

    confirm = client.get(f"/account/addresses/{row.id}/delete")
    assert confirm.status_code == 200
    assert "Delete this address?" in main(confirm) and "Keep it" in main(confirm)
    assert len(addresses(storefront)) == 1  # asking deletes nothing

    response = post_form(client, f"/account/addresses/{row.id}/delete", f"/account/addresses/{row.id}/delete")
    assert response.status_code == 302
    assert addresses(storefront) == []


def test_delete_without_the_form_token_deletes_nothing(storefront):
    client = sign_up(storefront)
    add(client, HOME)
    [row] = addresses(storefront)

    assert client.post(f"/account/addresses/{row.id}/delete").status_code == 400
    assert len(addresses(storefront)) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/account/addresses/{id}/edit"),
        ("post", "/account/addresses/{id}/edit"),
        ("get", "/account/addresses/{id}/delete"),
        ("post", "/account/addresses/{id}/delete"),
        ("post", "/account/addresses/{id}/default"),
    ],
)
def test_another_customers_address_is_not_found(storefront, method, path):
    grace = sign_up(storefront, "grace@example.com", "Grace Hopper")
    add(grace, WORK)
    [graces] = addresses(storefront)
    ada = sign_up(storefront)
    token_page = ada.get("/account/addresses/new").get_data(as_text=True)
    url = path.format(id=graces.id)
    data = {**HOME, "csrf_token": csrf_from(token_page)}
    response = ada.get(url) if method == "get" else ada.post(url, data=data)

    assert response.status_code == 404
    assert addresses(storefront) == [graces]  # untouched
    assert customer_id(storefront, "grace@example.com") != customer_id(storefront)
