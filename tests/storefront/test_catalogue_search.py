"""Search as a shopper meets it: words, typos, facets that count right, a URL that holds the whole state."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from storefront.catalog import search
from tests.storefront.conftest import at, counting_statements, main_of, page_text, storefront_sql, variant


def titles(html: str) -> list[str]:
    return re.findall(r'class="card-title"><a href="[^"]+">([^<]+)</a>', html)


def facet_counts(html: str, name: str) -> dict[str, int]:
    """{value: count} of one facet's checkboxes or radios."""
    found = {}
    for value, count in re.findall(
        rf'name="{name}" value="([^"]*)"[^>]*>\s*<label[^>]*>[^<]*<span class="facet-count">\((\d+)\)', html
    ):
        found[value] = int(count)
    return found


def checked(html: str, name: str) -> set[str]:
    return set(re.findall(rf'name="{name}" value="([^"]*)" checked', html))


def notice(html: str) -> str:
    """The text of the notice above the results ("" when there is none), tags removed."""
    found = re.search(r'<p class="notice" role="status">(.*?)</p>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()) if found else ""


def corrected_link(html: str) -> str:
    """Where the notice's link to the corrected words goes."""
    found = re.search(r'<p class="notice" role="status">.*?<a href="([^"]+)">', html, re.S)
    assert found, "no link to the corrected words"
    return html_lib.unescape(found.group(1))


def corrected(app, q: str) -> str | None:
    with app.app_context():
        try:
            return search.corrected_words(q)
        finally:
            app.extensions["sqlalchemy"].session.remove()


def dictionary(app) -> set[str]:
    return {row.word for row in storefront_sql(app, "SELECT word FROM search_word")}


@pytest.fixture
def gear(shop):
    """Six products from two stores, three brands and two categories."""
    shop.vendor(2, "Bolt Electrics")
    shop.category(1, "Audio")
    shop.category(2, "Headphones", parent_id=1)
    shop.category(3, "Lighting")
    with shop.batch():
        shop.product(1, title="Wireless Headphones", brand="Sonic", category_id=2, price="99.00")
        shop.product(2, title="Studio Headphones", brand="Sonic", category_id=2, price="149.00", available=0)
        shop.product(3, title="Travel Headphones", brand="Hush", category_id=2, price="59.00", vendor_id=2)
        shop.product(4, title="Bookshelf Speaker", brand="Hush", category_id=1, price="199.00", vendor_id=2)
        shop.product(5, title="Desk Lamp", brand="Lumen", category_id=3, price="20.00")
        shop.product(
            6,
            title="Reading Light",
            brand="Lumen",
            category_id=3,
            price="35.00",
            vendor_id=2,
            description="<p>Clip it to your headphones stand.</p>",
        )
    return shop


def test_words_find_products_best_match_first(storefront, gear):
    html = page_text(storefront.test_client().get("/search?q=headphones"))

    found = titles(html)
    # Title matches rank above a product that only mentions the word in its description.
    assert found[-1] == "Reading Light"
    assert set(found[:3]) == {"Wireless Headphones", "Studio Headphones", "Travel Headphones"}


def test_a_misspelt_word_is_corrected_and_the_page_links_the_corrected_words(storefront, gear):
    client = storefront.test_client()
    html = page_text(client.get("/search?q=hedphones"))

    assert set(titles(html)[:3]) == {"Wireless Headphones", "Studio Headphones", "Travel Headphones"}
    assert titles(html)[-1] == "Reading Light"  # ranked as the correctly spelt words rank them
    assert "No exact matches for “hedphones”" in html
    assert notice(html) == "No exact matches for “hedphones”. Showing results for “headphones”."
    assert corrected_link(html) == "/search?q=headphones"
    followed = page_text(client.get(corrected_link(html)))
    assert titles(followed) == titles(html) and notice(followed) == ""


def test_the_corrected_words_link_keeps_the_filters_and_the_sort(storefront, gear):
    html = page_text(storefront.test_client().get("/search?q=hedphones&brand=Sonic&in_stock=1&sort=price_asc&page=2"))

    assert titles(html) == ["Wireless Headphones"]  # page 2 does not exist: the last page is shown
    link = corrected_link(html)
    assert link == "/search?q=headphones&brand=Sonic&in_stock=1&sort=price_asc"
    assert titles(page_text(storefront.test_client().get(link))) == ["Wireless Headphones"]


def test_a_typo_on_a_category_page_links_the_corrected_words_on_that_page(storefront, gear):
    html = page_text(storefront.test_client().get("/c/headphones?q=wireles"))

    assert titles(html) == ["Wireless Headphones"]
    assert corrected_link(html) == "/c/headphones?q=wireless"


def test_a_misspelt_brand_finds_the_brands_products(storefront, gear):
    html = page_text(storefront.test_client().get("/search?q=sonik"))

    assert sorted(titles(html)) == ["Studio Headphones", "Wireless Headphones"]
    assert notice(html) == "No exact matches for “sonik”. Showing results for “sonic”."


def test_only_the_misspelt_word_of_two_is_corrected(storefront, gear):
    html = page_text(storefront.test_client().get("/search?q=Wireles+headphones"))

    assert titles(html) == ["Wireless Headphones"]
    assert notice(html) == "No exact matches for “Wireles headphones”. Showing results for “wireless headphones”."


def test_words_in_the_dictionary_are_never_corrected(storefront, gear):
    # Every search asks the dictionary; it knows "lumen" (a brand), so the word is left as typed.
    html = page_text(storefront.test_client().get("/search?q=lumen"))

    assert sorted(titles(html)) == ["Desk Lamp", "Reading Light"] and notice(html) == ""
    assert corrected(storefront, "lumen") is None
    assert corrected(storefront, "studio headphones") is None
    assert corrected(storefront, "wireless hedphones") == "wireless headphones"


def test_a_word_found_as_typed_and_corrected_too_shows_both_and_says_so(storefront, gear):
    # "trekker" is in a description only, so not a dictionary word, and close to the title word "trekking".
    gear.product(7, title="Day Pack", price="45.00", description="<p>Holds a Trekker flask.</p>")
    gear.product(8, title="Trekking Poles", price="60.00")

    html = page_text(storefront.test_client().get("/search?q=trekker"))

    assert sorted(titles(html)) == ["Day Pack", "Trekking Poles"]
    assert notice(html) == "Also showing results for “trekking”."
    assert corrected_link(html) == "/search?q=trekking"


def test_a_word_that_stems_like_its_correction_is_left_as_typed(storefront, gear):
    # "headphone" is no title's word, "headphones" is: to full-text search they are the same word.
    assert corrected(storefront, "headphone") is None
    assert corrected(storefront, "headphons") is None
    html = page_text(storefront.test_client().get("/search?q=headphone"))
    assert len(titles(html)) == 4 and notice(html) == ""


def test_the_correction_prefers_the_closer_length_on_a_tie(storefront, gear):
    gear.product(7, title="Garden Lighting Kit", price="45.00")

    # "lighteng" is as similar to "light" as to "lighting" (0.5 each); "lighting" is the closer length.
    assert corrected(storefront, "lighteng") == "lighting"
    html = page_text(storefront.test_client().get("/search?q=lighteng"))
    assert notice(html) == "No exact matches for “lighteng”. Showing results for “lighting”."
    assert "Garden Lighting Kit" in titles(html)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Hédphones", "headphones"),  # folded as the dictionary is
        ("hedphones for the desk", "headphones for the desk"),  # stop words are left alone
        ("hedphones 1000", "headphones 1000"),  # numbers are typed exactly
        ('"wireles headphones" -lamb', '"wireless headphones" -lamp'),  # search syntax kept
        ("hedphones, hedphones!", "headphones, headphones!"),
        ("zzzqqqxxx", None),
        ("zzzqqqxxx hedphones", "zzzqqqxxx headphones"),
        ("!!! ---", None),
        ("ab cd", None),  # too short to have a spelling
        ("%_\\", None),
    ],
)
def test_each_misspelt_word_is_corrected_and_everything_else_kept(storefront, gear, typed, expected):
    assert corrected(storefront, typed) == expected


def test_a_correction_is_one_statement_whatever_the_number_of_words(storefront, gear):
    words = "hedphones wireles sonik lmap studo " * 8
    client = storefront.test_client()
    with counting_statements(storefront) as statements:
        html = page_text(client.get(f"/search?q={words.strip()}"))

    assert len([s for s in statements if "search_word" in s]) == 1
    assert "No products match" in html  # no product has all those words, corrected or not


def test_accents_do_not_matter(storefront, shop):
    shop.product(1, title="Café Crème Mug")

    assert titles(page_text(storefront.test_client().get("/search?q=cafe+creme"))) == ["Café Crème Mug"]


def test_nothing_found_shows_an_empty_state(storefront, gear):
    html = main_of(page_text(storefront.test_client().get("/search?q=zzzqqqxxx")))

    assert "No products match" in html and titles(html) == []
    assert notice(html) == ""


def test_a_correction_that_finds_nothing_shows_the_empty_state(storefront, gear):
    # "wireles" is corrected, "zzzqqqxxx" is not: no product has both words.
    html = main_of(page_text(storefront.test_client().get("/search?q=wireles+zzzqqqxxx")))

    assert "No products match" in html and titles(html) == [] and notice(html) == ""


def test_the_corrected_words_are_shown_escaped(storefront, gear):
    html = main_of(page_text(storefront.test_client().get("/search?q=hedphones+%3C%3E%22%26")))

    escaped = "&lt;&gt;&#34;&amp;"
    assert notice(html) == f"No exact matches for “hedphones {escaped}”. Showing results for “headphones {escaped}”."
    assert corrected_link(html) == "/search?q=headphones+%3C%3E%22%26"
    assert '<>"&' not in html


# ---- the spelling dictionary --------------------------------------------------------------------


def test_a_products_title_and_brand_words_reach_the_dictionary(storefront, shop):
    shop.product(1, title="Café Crème Mug No. 12", brand="Maison Clair", description="<p>Porcelain.</p>")

    # Folded and lower-case; short words, numbers and description words are not spelling words.
    assert dictionary(storefront) == {"cafe", "creme", "mug", "maison", "clair"}


def test_a_renamed_products_new_words_reach_the_dictionary_and_old_ones_linger(storefront, shop):
    shop.product(1, title="Desk Lamp", updated_at=at(1))
    shop.product(1, title="Reading Lantern", brand="Lumen", updated_at=at(2))

    assert dictionary(storefront) == {"desk", "lamp", "reading", "lantern", "lumen"}
    html = page_text(storefront.test_client().get("/search?q=lanturn"))
    assert titles(html) == ["Reading Lantern"] and "Showing results for “lantern”" in notice(html)
    # "lamp" stays a dictionary word, but a search corrected to it finds nothing: the empty state.
    html = main_of(page_text(storefront.test_client().get("/search?q=lamb")))
    assert "No products match" in html and notice(html) == ""


def test_an_older_upsert_arriving_late_adds_no_words(storefront, shop):
    shop.product(1, title="Desk Lamp", updated_at=at(5))
    shop.product(1, title="Garden Torch", updated_at=at(1))

    assert dictionary(storefront) == {"desk", "lamp"}


def test_a_removed_products_words_linger_harmlessly(storefront, shop):
    shop.product(1, title="Zephyr Fan")
    shop.remove(1)

    assert "zephyr" in dictionary(storefront)
    html = main_of(page_text(storefront.test_client().get("/search?q=zephir")))
    assert "No products match" in html and notice(html) == ""


def test_a_category_rename_keeps_the_dictionary(storefront, shop):
    shop.category(1, "Lighting")
    shop.product(1, title="Desk Lamp", category_id=1)
    shop.category(1, "Lamps and Lights")

    assert dictionary(storefront) == {"desk", "lamp"}  # category names are not title or brand words
    assert titles(page_text(storefront.test_client().get("/search?q=dessk"))) == ["Desk Lamp"]


def test_facet_counts_cover_every_group(storefront, gear):
    html = page_text(storefront.test_client().get("/search?q=headphones"))

    assert facet_counts(html, "brand") == {"Hush": 1, "Sonic": 2, "Lumen": 1}
    assert facet_counts(html, "vendor") == {"acme-audio": 2, "bolt-electrics": 2}
    assert facet_counts(html, "category") == {"audio": 3, "headphones": 3, "lighting": 1}
    assert 'In stock only <span class="facet-count">(3)</span>' in html
    assert re.search(r">50 to 100</a>\s*<span class=\"facet-count\">\(2\)", html)


def test_two_brands_ticked_show_both_and_brand_counts_ignore_the_brand_selection(storefront, gear):
    html = page_text(storefront.test_client().get("/search?brand=Sonic&brand=Lumen"))

    assert sorted(titles(html)) == ["Desk Lamp", "Reading Light", "Studio Headphones", "Wireless Headphones"]
    assert facet_counts(html, "brand") == {"Hush": 2, "Lumen": 2, "Sonic": 2}
    assert checked(html, "brand") == {"Sonic", "Lumen"}


def test_other_groups_counts_honour_the_selection(storefront, gear):
    html = page_text(storefront.test_client().get("/search?brand=Hush"))

    # Bolt Electrics sells both Hush products; Acme sells none.
    assert facet_counts(html, "vendor") == {"bolt-electrics": 2}
    assert facet_counts(html, "category") == {"audio": 2, "headphones": 1}

    in_stock = page_text(storefront.test_client().get("/search?q=headphones&in_stock=1&vendor=acme-audio"))
    assert titles(in_stock) == ["Wireless Headphones"]
    assert facet_counts(in_stock, "brand") == {"Sonic": 1}
    assert facet_counts(in_stock, "vendor") == {"acme-audio": 1, "bolt-electrics": 2}


def test_a_ticked_value_with_no_matches_left_stays_visible_to_untick(storefront, gear):
    html = page_text(storefront.test_client().get("/search?brand=Lumen&category=headphones"))

    assert titles(html) == []
    assert facet_counts(html, "brand")["Lumen"] == 0
    assert checked(html, "brand") == {"Lumen"}


def test_category_filter_includes_subcategories(storefront, gear):
    html = page_text(storefront.test_client().get("/search?category=audio"))

    assert sorted(titles(html)) == [
        "Bookshelf Speaker",
        "Studio Headphones",
        "Travel Headphones",
        "Wireless Headphones",
    ]


def test_price_range_and_rating_filters(storefront, gear):
    client = storefront.test_client()

    assert sorted(titles(page_text(client.get("/search?price_min=50&price_max=100")))) == [
        "Travel Headphones",
        "Wireless Headphones",
    ]
    assert titles(page_text(client.get("/search?rating=4"))) == []  # nobody is rated yet


def test_the_url_holds_the_whole_state_and_the_form_shows_it_back(storefront, gear):
    url = (
        "/search?q=headphones&category=audio&brand=Sonic&brand=Hush&vendor=acme-audio"
        "&price_min=10&price_max=500&in_stock=1&sort=price_desc&page=1"
    )
    html = page_text(storefront.test_client().get(url))

    assert 'name="q" value="headphones"' in html
    assert checked(html, "category") == {"audio"}
    assert checked(html, "brand") == {"Sonic", "Hush"}
    assert checked(html, "vendor") == {"acme-audio"}
    assert 'id="price_min" name="price_min"' in html and 'value="10.00"' in html and 'value="500.00"' in html
    assert 'name="in_stock" value="1" checked' in html
    assert '<option value="price_desc" selected>' in html
    assert titles(html) == ["Wireless Headphones"]


def test_an_htmx_filter_change_gets_the_listing_partial_and_a_tidy_url(storefront, gear):
    response = storefront.test_client().get(
        "/search?q=headphones&brand=Sonic&price_min=&price_max=&rating=&sort=relevance", headers={"HX-Request": "true"}
    )

    html = page_text(response)
    assert "<html" not in html and html.lstrip().startswith('<form id="listing"')
    assert response.headers["HX-Push-Url"] == "/search?q=headphones&brand=Sonic"
    assert "HX-Request" in response.headers["Vary"]


def test_a_history_restore_gets_the_whole_page(storefront, gear):
    response = storefront.test_client().get(
        "/search?q=headphones", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert "<html" in page_text(response)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price_asc", ["Desk Lamp", "Reading Light", "Travel Headphones", "Wireless Headphones"]),
        ("price_desc", ["Bookshelf Speaker", "Studio Headphones", "Wireless Headphones", "Travel Headphones"]),
        ("newest", ["Reading Light", "Desk Lamp", "Bookshelf Speaker", "Travel Headphones"]),
    ],
)
def test_sorting(storefront, gear, sort, expected):
    html = page_text(storefront.test_client().get(f"/search?sort={sort}"))

    assert titles(html)[:4] == expected


@pytest.mark.parametrize(
    "query",
    [
        "price_min=abc&price_max=-5",
        "price_min=1e999&price_max=NaN",
        "sort=drop_table&page=-3",
        "page=0",
        "page=abc",
        "page=99999999999999999999",
        "rating=9&in_stock=maybe",
        "q=%27%3B+DROP+TABLE+product%3B+--",
        "q=" + "headphones+" * 300,
        "q=%22unbalanced+%28+%26+%7C+%21",
        "q=a:*+%26+!b",
        "brand=" + "x" * 500,
        "category=%27+OR+1%3D1+--",
        "vendor=%25&brand=_",
    ],
)
def test_bad_parameters_get_an_ordinary_page(storefront, gear, query):
    response = storefront.test_client().get(f"/search?{query}")

    assert response.status_code == 200
    assert "<h1>" in page_text(response)


def test_a_nul_character_is_refused_with_a_plain_message(storefront, gear):
    response = storefront.test_client().get("/search?q=%00%00nul")

    assert response.status_code == 400
    assert "not allowed" in page_text(response)


def test_a_page_past_the_end_shows_the_last_page(storefront, gear):
    html = page_text(storefront.test_client().get("/search?page=40"))

    assert len(titles(html)) == 6 and "Showing 1\N{EN DASH}6 of 6" in html


def test_xss_in_title_brand_and_description_renders_inert(storefront, shop):
    shop.category(1, "Audio")
    shop.product(
        1,
        title="<script>alert('title')</script>Headphones",
        brand='<img src=x onerror="alert(1)">',
        description=(
            '<p>Good</p><script>alert("d")</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>'
        ),
        category_id=1,
        attributes={"<b>Material</b>": "<script>alert(4)</script>"},
    )
    client = storefront.test_client()

    for url in ("/search?q=headphones", "/", "/c/audio", "/p/1-script-alert-title-script-headphones"):
        html = page_text(client.get(url))
        assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;Headphones" in html, url
        assert "<script>alert" not in html and "onerror=" not in html.replace("onerror=&#34;", "")
        assert "javascript:" not in html
    suggestions = page_text(client.get("/search/suggest?q=headphones", headers={"HX-Request": "true"}))
    assert "&lt;script&gt;" in suggestions and "<script>" not in suggestions


def test_suggestions_as_you_type_list_titles_and_categories(storefront, gear):
    client = storefront.test_client()

    html = page_text(client.get("/search/suggest?q=head", headers={"HX-Request": "true"}))
    assert "<html" not in html
    assert "Wireless Headphones" in html and "/c/headphones" in html
    assert "Desk Lamp" not in html
    assert "Studio Headphones" in page_text(client.get("/search/suggest?q=hedphones", headers={"HX-Request": "true"}))
    assert page_text(client.get("/search/suggest?q=h", headers={"HX-Request": "true"})).strip() == ""


def test_suggest_without_javascript_goes_to_the_results_page(storefront, gear):
    response = storefront.test_client().get("/search/suggest?q=lamp")

    assert response.status_code == 302 and response.headers["Location"] == "/search?q=lamp"


def test_search_form_in_the_header_works_without_javascript(storefront, gear):
    html = page_text(storefront.test_client().get("/"))

    assert '<form class="site-search" role="search" method="get" action="/search">' in html
    assert '<label class="visually-hidden" for="site-search-q">Search products</label>' in html
    assert 'hx-get="/search/suggest"' in html and "delay:" in html


def make_products(shop, count):
    with shop.batch():
        for n in range(1, count + 1):
            shop.product(
                n,
                title=f"Headphones model {n}",
                brand=f"Brand {n % 4}",
                variants=[variant(n * 100, "10.00"), variant(n * 100 + 1, "12.00")],
                created_at=at(n),
            )


@pytest.mark.parametrize(
    ("url", "bound"),
    [
        ("/search?q=headphones", 5),  # version, categories, enough exact matches?, facets, cards
        ("/search?q=hedphones", 6),  # ... and the spelling correction
        ("/search?brand=Brand+1&brand=Brand+2", 4),
        ("/search", 4),
    ],
)
def test_search_issues_a_bounded_number_of_statements_whatever_the_page_size(platform, shop, url, bound):
    make_products(shop, search.FEW_EXACT_MATCHES)  # enough for "headphones" to need no correction
    client = platform.storefront.test_client()
    with counting_statements(platform.storefront) as few:
        assert client.get(url).status_code == 200

    make_products(shop, 30)
    with counting_statements(platform.storefront) as many:
        html = page_text(client.get(url))

    assert len(titles(html)) >= 7  # a full page, or all of a smaller selection
    assert len(many) == len(few) <= bound, many


def search_statements(app, url: str) -> tuple[list[str], list[str]]:
    """The statements a search page issued that read the dictionary, and those that count exact matches."""
    with counting_statements(app) as statements:
        assert app.test_client().get(url).status_code == 200
    return [s for s in statements if "search_word" in s], [s for s in statements if s.startswith("SELECT count(*)")]


def test_exact_matches_are_counted_only_when_a_word_could_be_corrected(platform, shop):
    make_products(shop, search.FEW_EXACT_MATCHES)

    dictionary, counted = search_statements(platform.storefront, "/search?q=headphones")
    assert len(dictionary) == 1 and counted == []  # every word known: nothing to correct, nothing to count
    dictionary, counted = search_statements(platform.storefront, "/search?q=hedphones")
    assert len(dictionary) == 1 and len(counted) == 1
    dictionary, counted = search_statements(platform.storefront, "/search?q=headphones+hedphones")
    assert len(dictionary) == 1 and len(counted) == 1
