"""Tests of common_ui's layout, macros and static files, on a throwaway Flask app (no database)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, flash, render_template_string, request
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional, Regexp

import common_ui

# ---------------------------------------------------------------------------
# A tiny HTML tree, enough to ask what a browser / screen reader would see.
# ---------------------------------------------------------------------------
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def iter(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        def ok(n: Node) -> bool:
            return (tag is None or n.tag == tag) and all(
                n.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items()
            )

        return [n for n in self.iter() if ok(n)]

    def find(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]

    def raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw_text() for c in self.children)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", self.raw_text()).strip()

    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    return builder.root


def column(doc: Node, label: str) -> Node:
    return next(th for th in doc.find_all("th") if th.text.startswith(label))


def query(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


# ---------------------------------------------------------------------------
# The throwaway app
# ---------------------------------------------------------------------------
class FakePagination:
    """Same attributes and iter_pages() as Flask-SQLAlchemy's Pagination."""

    def __init__(self, page: int, per_page: int, total: int) -> None:
        self.page, self.per_page, self.total = page, per_page, total
        self.pages = max(1, math.ceil(total / per_page)) if total else 0

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1 if self.has_prev else None)
    next_num = property(lambda self: self.page + 1 if self.has_next else None)

    def iter_pages(
        self, *, left_edge: int = 2, left_current: int = 2, right_current: int = 4, right_edge: int = 2
    ) -> Iterator[int | None]:
        pages_end = self.pages + 1
        if pages_end == 1:
            return
        left_end = min(1 + left_edge, pages_end)
        yield from range(1, left_end)
        if left_end == pages_end:
            return
        mid_start = max(left_end, self.page - left_current)
        mid_end = min(self.page + right_current, pages_end)
        if mid_start - left_end > 0:
            yield None
        yield from range(mid_start, mid_end)
        if mid_end == pages_end:
            return
        right_start = max(mid_end, pages_end - right_edge)
        if right_start - mid_end > 0:
            yield None
        yield from range(right_start, pages_end)


class ProfileForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired()])
    email = EmailField(
        "Email",
        validators=[Optional(), Regexp(r".+@.+", message="Enter an email address like name@example.com")],
        description="We send receipts here.",
    )
    password = PasswordField("Password", validators=[DataRequired()])
    bio = TextAreaField("Bio", validators=[Optional()])
    age = IntegerField("Age", validators=[Optional()])
    country = SelectField("Country", choices=["France", "Germany"])
    plan = RadioField("Plan", choices=["Free", "Pro"], validators=[DataRequired()])
    agree = BooleanField("I accept the terms", validators=[DataRequired()])
    next_url = HiddenField()


PAGE = """{% extends "common_ui/base.html" %}
{% block title %}TITLE{% endblock %}
{% block nav %}<ul class="nav-list">{{ nav_link("/", "Home") }}{{ nav_link("/other", "Other") }}</ul>{% endblock %}
{% block content %}<h1>Heading</h1>BODY{% endblock %}
{% block scripts %}SCRIPTS{% endblock %}"""


def page(title: str, body: str, scripts: str = "", imports: str = "") -> str:
    return imports + PAGE.replace("TITLE", title).replace("BODY", body).replace("SCRIPTS", scripts)


IMPORTS = """{% from "common_ui/forms.html" import field, form_errors, submit, csrf, csrf_input, confirm_form %}
{% from "common_ui/tables.html" import sort_header, table_wrapper %}
{% from "common_ui/pagination.html" import pagination %}
{% from "common_ui/empty.html" import empty_state %}
{% from "common_ui/badges.html" import badge %}
{% from "common_ui/charts.html" import chart, chart_scripts %}
{% from "common_ui/nav.html" import nav_link %}
{% from "common_ui/stats.html" import stat %}
"""


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", WTF_CSRF_ENABLED=False, TESTING=True)
    common_ui.init_app(app, portal="storefront", portal_name="Shop")

    @app.route("/", methods=["GET", "POST"])
    def form_page() -> Any:
        form = ProfileForm()
        status = 200
        if request.method == "POST" and not form.validate():
            status = 422
        body = """{{ form_errors(form) }}
        <form method="post" novalidate>{{ csrf(form) }}
          {{ field(form.name, autocomplete="name") }}
          {{ field(form.email) }}
          {{ field(form.password, help="At least 12 characters.") }}
          {{ field(form.bio) }}{{ field(form.age) }}{{ field(form.country) }}{{ field(form.plan) }}
          {{ field(form.agree) }}{{ field(form.next_url) }}
          {{ submit("Save profile") }}
        </form>"""
        return render_template_string(page("Profile", body, imports=IMPORTS), form=form), status

    @app.route("/flash")
    def flash_page() -> str:
        flash("Saved.", "success")
        flash("Payment failed.", "error")
        return render_template_string(page("Flash", "", imports=IMPORTS))

    @app.route("/c/<slug>/products")
    def products(slug: str) -> str:
        sort = request.args.get("sort", "name")
        direction = request.args.get("dir", "asc")
        p = FakePagination(page=request.args.get("page", 1, type=int), per_page=10, total=95)
        body = """{% call table_wrapper("Products") %}<table><thead><tr>
          {{ sort_header("Name", "name", sort, dir) }}{{ sort_header("Price", "price", sort, dir) }}
          </tr></thead></table>{% endcall %}{{ pagination(p) }}"""
        return render_template_string(page("Products", body, imports=IMPORTS), p=p, sort=sort, dir=direction)

    @app.route("/one-page")
    def one_page() -> str:
        body = "{{ pagination(p) }}"
        return render_template_string(page("One", body, imports=IMPORTS), p=FakePagination(1, 10, 4))

    @app.route("/parts")
    def parts() -> str:
        body = """{{ badge("partially_refunded") }}{{ badge("Whatever", label="Odd one") }}
        {{ empty_state("No orders yet", "Orders appear here.", "/shop", "Browse products") }}
        {{ confirm_form("/orders/7/cancel", "Cancel order 7", "Cancel this order?") }}
        <form method="post" action="/x">{{ csrf_input() }}<button type="submit">Go</button></form>
        {{ stat("Revenue", "€1,200", delta="+8%", direction="up") }}
        {{ chart("sales", "bar", ["Mon", "Tue"], [{"label": "Orders", "data": [3, 5]}], "Orders this week") }}"""
        return render_template_string(page("Parts", body, scripts="{{ chart_scripts() }}", imports=IMPORTS))

    @app.route("/bare")
    def bare() -> str:
        return render_template_string('{% extends "common_ui/base.html" %}')

    return app


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


# ---------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------
def test_layout_has_landmarks_one_h1_and_skip_link(client: Any) -> None:
    doc = parse(client.get("/").get_data(as_text=True))
    html = doc.find("html")
    assert html.attrs["lang"] == "en"
    assert len(doc.find_all("h1")) == 1
    for landmark in ("header", "main", "footer"):
        assert len(doc.find_all(landmark)) == 1
    nav = doc.find("header").find("nav")
    assert nav.attrs["aria-label"] == "Main"
    assert doc.find("main").attrs["id"] == "main"
    skip = doc.find("a", class_="skip-link")
    assert skip.attrs["href"] == "#main" and skip.text == "Skip to main content"
    assert doc.find("body").attrs["data-portal"] == "storefront"
    assert doc.find("title").text == "Profile · Shop"
    assert "Shop · an open-source multi-vendor marketplace" in doc.find("footer").text
    assert doc.find("meta", name="viewport")


def test_layout_title_without_page_title_is_just_the_portal(client: Any) -> None:
    assert parse(client.get("/bare").get_data(as_text=True)).find("title").text == "Shop"


@pytest.mark.parametrize("path", ["/", "/flash", "/c/lamps/products?page=2", "/parts", "/bare"])
def test_pages_have_no_inline_script_or_style(client: Any, path: str) -> None:
    html = client.get(path).get_data(as_text=True)
    doc = parse(html)
    scripts = doc.find_all("script")
    assert scripts, "htmx and common_ui.js should be loaded"
    for script in scripts:
        assert script.attrs.get("src"), "inline <script> breaks the CSP"
        assert script.text == ""
    assert not doc.find_all("style")
    assert not [n for n in doc.iter() if "style" in n.attrs]
    assert not re.search(r"\son[a-z]+=", html), "inline event handlers break the CSP"


def test_layout_loads_htmx_and_common_ui_js_deferred(client: Any) -> None:
    doc = parse(client.get("/").get_data(as_text=True))
    head_scripts = doc.find("head").find_all("script")
    srcs = [s.attrs["src"] for s in head_scripts]
    assert [unversioned(src) for src in srcs] == ["/static/ui/vendor/htmx.min.js", "/static/ui/js/common_ui.js"]
    assert all("defer" in s.attrs for s in head_scripts)
    assert unversioned(doc.find("link", rel="stylesheet").attrs["href"]) == "/static/ui/css/marketplace.css"
    config = doc.find("meta", name="htmx-config").attrs["content"]
    assert '"includeIndicatorStyles": false' in config


def test_nav_link_marks_the_current_page(client: Any) -> None:
    nav = parse(client.get("/").get_data(as_text=True)).find("nav")
    assert nav.find("a", href="/").attrs.get("aria-current") == "page"
    assert "aria-current" not in nav.find("a", href="/other").attrs


def test_flash_messages_have_live_roles_and_text_prefix(client: Any) -> None:
    doc = parse(client.get("/flash").get_data(as_text=True))
    success = doc.find(class_="flash flash-success")
    error = doc.find(class_="flash flash-error")
    assert success.attrs["role"] == "status" and success.text == "Success: Saved."
    assert error.attrs["role"] == "alert" and error.text == "Error: Payment failed."


# ---------------------------------------------------------------------------
# Forms
# ---------------------------------------------------------------------------
def test_every_visible_input_has_a_label(client: Any) -> None:
    doc = parse(client.get("/").get_data(as_text=True))
    label_for = {lab.attrs.get("for") for lab in doc.find_all("label")}
    controls = [n for n in doc.find_all() if n.tag in ("input", "select", "textarea")]
    visible = [c for c in controls if c.attrs.get("type") != "hidden"]
    assert len(visible) == 9  # name, email, password, bio, age, country, 2 radios, agree
    for control in visible:
        assert control.attrs["id"] in label_for, control.attrs


def test_required_and_optional_fields_are_marked(client: Any) -> None:
    doc = parse(client.get("/").get_data(as_text=True))
    assert "required" in doc.find("input", id="name").attrs
    assert doc.find("label", for_="name").text == "Full name"
    assert "required" not in doc.find("input", id="email").attrs
    assert doc.find("label", for_="email").text == "Email (optional)"
    assert doc.find("legend").text == "Plan"


def test_help_text_is_tied_to_its_input(client: Any) -> None:
    doc = parse(client.get("/").get_data(as_text=True))
    email = doc.find("input", id="email")
    assert email.attrs["aria-describedby"] == "email-help"
    assert doc.find(id="email-help").text == "We send receipts here."
    assert doc.find("input", id="password").attrs["aria-describedby"] == "password-help"
    assert "aria-describedby" not in doc.find("input", id="name").attrs


def test_field_error_is_tied_to_input_and_submitted_value_kept(client: Any) -> None:
    resp = client.post("/", data={"name": "", "email": "not-an-email", "password": "hunter2", "country": "Germany"})
    assert resp.status_code == 422
    doc = parse(resp.get_data(as_text=True))

    email = doc.find("input", id="email")
    assert email.attrs["value"] == "not-an-email"
    assert email.attrs["aria-invalid"] == "true"
    assert email.attrs["aria-describedby"].split() == ["email-help", "email-error"]
    error = doc.find(id="email-error")
    assert error.tag == "p" and "field-error" in error.classes()
    assert error.text.startswith("Error: ")
    assert "field-invalid" in email.parent.classes()

    name = doc.find("input", id="name")
    assert name.attrs["aria-describedby"] == "name-error"
    assert "selected" in doc.find("option", value="Germany").attrs


def test_password_is_never_echoed(client: Any) -> None:
    resp = client.post("/", data={"name": "", "password": "hunter2"})
    assert "hunter2" not in resp.get_data(as_text=True)
    assert parse(resp.get_data(as_text=True)).find("input", id="password").attrs.get("value", "") == ""


def test_error_summary_links_to_each_errored_field(client: Any) -> None:
    doc = parse(client.post("/", data={"email": "nope", "country": "France"}).get_data(as_text=True))
    summary = doc.find(class_="error-summary")
    assert summary.attrs["role"] == "alert"
    assert summary.find("h2").text == "There is a problem"
    hrefs = [a.attrs["href"] for a in summary.find_all("a")]
    assert hrefs == ["#name", "#email", "#password", "#plan-0", "#agree"]
    assert summary.find("a", href="#name").text.startswith("Full name: ")
    assert not parse(client.get("/").get_data(as_text=True)).find_all(class_="error-summary")


def test_form_level_errors_appear_in_the_summary(app: Flask) -> None:
    with app.test_request_context("/", method="POST", data={}):
        form = ProfileForm()
        form.validate()
        form.form_errors.append("Your session expired.")
        html = render_template_string(
            '{% from "common_ui/forms.html" import form_errors %}{{ form_errors(form) }}', form=form
        )
    items = [li.text for li in parse(html).find_all("li")]
    assert items[0] == "Your session expired."


def test_checkbox_renders_input_before_label(client: Any) -> None:
    doc = parse(client.get("/").get_data(as_text=True))
    option = doc.find("input", id="agree").parent
    tags = [c.tag for c in option.children if isinstance(c, Node)]
    assert tags == ["input", "label"]


def test_hidden_field_renders_only_the_input(client: Any) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<input id="next_url" name="next_url" type="hidden" value="">' in html
    assert 'for="next_url"' not in html


def test_submit_and_confirm_form_and_csrf_input(client: Any) -> None:
    doc = parse(client.get("/parts").get_data(as_text=True))
    form = doc.find("form", class_="confirm-form")
    assert form.attrs["method"] == "post" and form.attrs["action"] == "/orders/7/cancel"
    assert form.attrs["data-confirm"] == "Cancel this order?"
    assert form.find("input", type="hidden", name="csrf_token").attrs["value"]
    button = form.find("button")
    assert button.attrs["type"] == "submit" and button.text == "Cancel order 7"
    assert "button-danger" in button.classes()
    plain = doc.find("form", action="/x")
    assert plain.find("input", name="csrf_token").attrs["value"]


def test_submit_passes_extra_attributes_escaped(app: Flask) -> None:
    tpl = (
        '{% from "common_ui/forms.html" import submit %}'
        '{{ submit("Add to cart", kind="secondary", name="action", value="add", hx_post="/cart?a=1&b=2",'
        ' class_="wide", disabled=true, data_x=none, title=evil) }}'
    )
    with app.test_request_context("/"):
        html = render_template_string(tpl, evil='"><script>')
    button = parse(html).find("button")
    assert button.classes() == ["button", "button-secondary", "wide"]
    assert button.attrs["hx-post"] == "/cart?a=1&b=2"
    assert button.attrs["name"] == "action" and button.attrs["value"] == "add"
    assert "disabled" in button.attrs and "data-x" not in button.attrs
    assert button.attrs["title"] == '"><script>' and "<script>" not in html


def test_submit_button(client: Any) -> None:
    button = parse(client.get("/").get_data(as_text=True)).find("button")
    assert button.attrs["type"] == "submit" and button.text == "Save profile"
    assert button.classes() == ["button", "button-primary"]


# ---------------------------------------------------------------------------
# Tables, pagination and URLs
# ---------------------------------------------------------------------------
def test_pagination_links_keep_query_args_and_mark_current_page(client: Any) -> None:
    doc = parse(client.get("/c/lamps/products?q=lamp&brand=a&brand=b&page=3").get_data(as_text=True))
    nav = doc.find("nav", aria_label="Pagination")
    links = nav.find_all("a")
    for link in links:
        href = link.attrs["href"]
        assert href.startswith("/c/lamps/products?")
        args = query(href)
        assert args["q"] == ["lamp"] and args["brand"] == ["a", "b"]
    current = [a for a in links if a.attrs.get("aria-current") == "page"]
    assert len(current) == 1 and current[0].text == "Page 3"
    assert query(current[0].attrs["href"])["page"] == ["3"]
    assert query(nav.find("a", rel="prev").attrs["href"])["page"] == ["2"]
    assert query(nav.find("a", rel="next").attrs["href"])["page"] == ["4"]
    numbers = [a.text.removeprefix("Page ") for a in links if a.attrs.get("rel") is None]
    assert numbers == ["1", "2", "3", "4", "5", "10"]
    assert nav.find(class_="pagination-gap").text == "…"
    assert doc.find(class_="pagination-count").text == "Showing 21\N{EN DASH}30 of 95"


def test_pagination_on_one_page_shows_only_the_count(client: Any) -> None:
    doc = parse(client.get("/one-page").get_data(as_text=True))
    assert not doc.find_all("nav", aria_label="Pagination")
    assert doc.find(class_="pagination-count").text == "Showing 1\N{EN DASH}4 of 4"


def test_sort_header_toggles_direction_and_resets_page(client: Any) -> None:
    doc = parse(client.get("/c/lamps/products?q=lamp&brand=a&brand=b&sort=price&dir=asc&page=4").get_data(as_text=True))
    price = column(doc, "Price")
    name = column(doc, "Name")
    assert price.attrs["scope"] == "col"
    assert price.attrs["aria-sort"] == "ascending"
    assert name.attrs["aria-sort"] == "none"
    args = query(price.find("a").attrs["href"])
    assert args["sort"] == ["price"] and args["dir"] == ["desc"]
    assert args["page"] == ["1"] and args["brand"] == ["a", "b"] and args["q"] == ["lamp"]
    assert query(name.find("a").attrs["href"])["dir"] == ["asc"]
    assert "sorted ascending" in price.text

    doc = parse(client.get("/c/lamps/products?sort=price&dir=desc").get_data(as_text=True))
    price = column(doc, "Price")
    assert price.attrs["aria-sort"] == "descending"
    assert query(price.find("a").attrs["href"])["dir"] == ["asc"]


def test_sort_header_toggles_the_views_default_sort(client: Any) -> None:
    # No sort in the URL; the view sorts by name ascending by default.
    doc = parse(client.get("/c/lamps/products").get_data(as_text=True))
    name = column(doc, "Name")
    assert name.attrs["aria-sort"] == "ascending"
    assert query(name.find("a").attrs["href"])["dir"] == ["desc"]


def test_table_wrapper_is_a_labelled_focusable_region(client: Any) -> None:
    wrap = parse(client.get("/c/lamps/products").get_data(as_text=True)).find(class_="table-wrap")
    assert wrap.attrs["role"] == "region" and wrap.attrs["aria-label"] == "Products"
    assert wrap.attrs["tabindex"] == "0" and wrap.find("table")


def test_url_helpers_keep_repeated_args_and_path_args(app: Flask) -> None:
    with app.test_request_context("/c/lamps/products?brand=a&brand=b&page=2&_anchor=x"):
        assert common_ui.url_for_page(5) == "/c/lamps/products?brand=a&brand=b&page=5&_anchor=x"
        assert (
            common_ui.url_for_sort("price") == "/c/lamps/products?brand=a&brand=b&page=1&_anchor=x&sort=price&dir=asc"
        )


# ---------------------------------------------------------------------------
# Small parts
# ---------------------------------------------------------------------------
def test_badge_classes_and_text(client: Any) -> None:
    doc = parse(client.get("/parts").get_data(as_text=True))
    badges = doc.find_all("span", class_="badge badge-partially-refunded")
    assert badges and badges[0].text == "Partially refunded"
    assert doc.find("span", class_="badge badge-whatever").text == "Odd one"


def test_empty_state(client: Any) -> None:
    empty = parse(client.get("/parts").get_data(as_text=True)).find(class_="empty-state")
    assert empty.find("h2").text == "No orders yet"
    assert empty.find("a").attrs["href"] == "/shop" and empty.find("a").text == "Browse products"


def test_stat_delta_has_text_not_only_colour(client: Any) -> None:
    delta = parse(client.get("/parts").get_data(as_text=True)).find(class_="stat-delta stat-delta-up")
    assert "Up: +8%" in delta.text


def test_chart_has_canvas_data_and_no_js_table(client: Any) -> None:
    import json

    doc = parse(client.get("/parts").get_data(as_text=True))
    figure = doc.find("figure")
    assert figure.find("figcaption").text == "Orders this week"
    canvas = figure.find("canvas", id="sales")
    assert canvas.attrs["role"] == "img" and canvas.attrs["aria-label"] == "Orders this week"
    spec = json.loads(canvas.attrs["data-chart"])
    assert spec == {"type": "bar", "labels": ["Mon", "Tue"], "datasets": [{"label": "Orders", "data": [3, 5]}]}
    details = figure.find("details")
    assert details.find("summary").text.startswith("Data table")
    rows = [[c.text for c in tr.children if isinstance(c, Node)] for tr in details.find("tbody").find_all("tr")]
    assert rows == [["Mon", "3"], ["Tue", "5"]]
    srcs = [unversioned(s.attrs["src"]) for s in doc.find_all("script")]
    assert srcs[-2:] == ["/static/ui/vendor/chart.umd.min.js", "/static/ui/js/charts.js"]


# ---------------------------------------------------------------------------
# Static files and set-up
# ---------------------------------------------------------------------------
def unversioned(url: str) -> str:
    """A static URL without its fingerprint, after checking it has one (?v=<12 hex>)."""
    path, _, query = url.partition("?")
    assert re.fullmatch(r"v=[0-9a-f]{12}", query), f"{url} has no fingerprint"
    return path


@pytest.mark.parametrize(
    "path",
    [
        "/static/ui/vendor/htmx.min.js",
        "/static/ui/vendor/chart.umd.min.js",
        "/static/ui/js/common_ui.js",
        "/static/ui/js/charts.js",
    ],
)
def test_static_js_is_served(client: Any, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 200
    assert resp.mimetype in ("text/javascript", "application/javascript")
    resp.close()


def test_static_css_is_served(client: Any) -> None:
    resp = client.get("/static/ui/css/marketplace.css")
    assert resp.status_code == 200 and resp.mimetype == "text/css"
    css = resp.get_data(as_text=True)
    resp.close()
    for portal in ("storefront", "admin", "vendor"):
        assert f'body[data-portal="{portal}"]' in css
    assert ":focus-visible" in css and "prefers-reduced-motion" in css


def test_vendored_htmx_is_version_2() -> None:
    from pathlib import Path

    js = (Path(common_ui.__file__).parent / "static/vendor/htmx.min.js").read_text()
    assert re.search(r'version:\s*"2\.\d+\.\d+"', js)


def test_init_app_sets_config_and_rejects_unknown_portal() -> None:
    app = Flask(__name__)
    app.config["PORTAL_NAME"] = "Kept"
    common_ui.init_app(app, portal="admin", portal_name="Admin")
    assert app.config["PORTAL"] == "admin" and app.config["PORTAL_NAME"] == "Kept"
    with pytest.raises(ValueError):
        common_ui.init_app(Flask(__name__), portal="shop", portal_name="x")
