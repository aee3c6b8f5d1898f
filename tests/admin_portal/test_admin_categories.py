"""The category tree: catalogue managers and owners create, rename, move, reorder and retire categories;
each change is published to the vendor portal and the storefront and written to the audit log."""

from __future__ import annotations

import threading
import time

import pytest

from tests.admin_portal.conftest import audit_entries, delivery_statuses, outbox_events, rows, token_of
from tests.conftest import csrf_from, submit


def upserted(category_id: int, name: str, slug: str, parent_id: int | None, position: int) -> tuple[str, dict]:
    return (
        "category.upserted",
        {"category_id": category_id, "name": name, "slug": slug, "parent_id": parent_id, "position": position},
    )


def category_ids(admin) -> dict[str, int]:
    return {row.name: row.id for row in rows(admin, "SELECT id, name FROM category")}


def tree_state(admin) -> dict[str, tuple[str | None, int, str]]:
    """name -> (parent name, position, status), read straight from the database."""
    found = rows(
        admin,
        "SELECT c.name, p.name AS parent, c.position, c.status "
        "FROM category c LEFT JOIN category p ON p.id = c.parent_id",
    )
    return {row.name: (row.parent, row.position, row.status) for row in found}


def move(client, category_id: int, parent: int | str | None):
    """Post the edit page's move form, as a browser would (its fields carry the "move-" prefix)."""
    page = client.get(f"/categories/{category_id}/edit").get_data(as_text=True)
    token = csrf_from(page)
    return client.post(
        f"/categories/{category_id}/move",
        data={"move-parent": "" if parent is None else str(parent), "move-csrf_token": token, "csrf_token": token},
    )


def test_manager_adds_a_category_and_a_subcategory_which_reach_vendors_and_the_shop(platform, signed_in):
    admin = platform.admin
    manager = signed_in("catalogue_manager")

    response = submit(manager, "/categories/new", {"name": "Audio", "parent": "", "slug": ""})
    assert response.status_code == 302 and response.headers["Location"] == "/categories"
    audio = category_ids(admin)["Audio"]
    response = submit(manager, f"/categories/new?parent={audio}", {"name": "Headphones", "parent": str(audio)})
    assert response.status_code == 302
    headphones = category_ids(admin)["Headphones"]

    assert outbox_events(admin, "category.") == [
        upserted(audio, "Audio", "audio", None, 1),
        upserted(headphones, "Headphones", "headphones", audio, 1),
    ]
    entries = audit_entries(admin, "category")
    assert [(e.staff_email, e.action, e.object_type, e.object_id) for e in entries] == [
        ("catalogue_manager@example.com", "category.created", "category", str(audio)),
        ("catalogue_manager@example.com", "category.created", "category", str(headphones)),
    ]
    assert entries[1].before is None
    assert entries[1].after == {
        "name": "Headphones",
        "slug": "headphones",
        "parent_id": audio,
        "position": 1,
        "status": "active",
    }
    assert entries[1].client_ip and entries[1].request_id

    platform.drain()
    assert delivery_statuses(admin, "category.upserted") == [
        ("storefront", "delivered"),
        ("storefront", "delivered"),
        ("vendor_portal", "delivered"),
        ("vendor_portal", "delivered"),
    ]
    event_ids = {str(row.id) for row in rows(admin, "SELECT id FROM outbox_event WHERE type = 'category.upserted'")}
    for peer in (platform.vendor, platform.storefront):
        received = {str(row.event_id) for row in rows(peer, "SELECT event_id FROM inbox_event")}
        assert event_ids <= received

    html = manager.get("/categories").get_data(as_text=True)
    audio_row = html.split(f'id="category-{audio}"', 1)[1].split("</tr>", 1)[0]
    assert ">1<" in audio_row and "Audio" in audio_row
    assert '<td class="num">1</td>' in audio_row.split("<code>", 1)[1]  # one subcategory
    assert '<span class="badge badge-active">Active</span>' in audio_row
    headphones_row = html.split(f'id="category-{headphones}"', 1)[1].split("</tr>", 1)[0]
    assert ">1.1<" in headphones_row and "Audio: </span>" in headphones_row


def test_slug_is_made_from_the_name_kept_unique_and_can_be_edited(platform, signed_in, make_category):
    admin = platform.admin
    manager = signed_in("owner")
    first = make_category("Home & Kitchen")
    assert submit(manager, "/categories/new", {"name": "Home & Kitchen", "parent": ""}).status_code == 302
    slugs = {row.id: row.slug for row in rows(admin, "SELECT id, slug FROM category")}
    second = next(i for i in slugs if i != first)
    assert slugs == {first: "home-kitchen", second: "home-kitchen-2"}

    response = submit(manager, f"/categories/{second}/edit", {"name": "Kitchen", "slug": "home-kitchen"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="slug-error"' in html and "Another category already uses this address." in html
    assert 'value="Kitchen"' in html

    response = submit(manager, f"/categories/{second}/edit", {"name": "Kitchen", "slug": "kitchen"})
    assert response.status_code == 302
    assert outbox_events(admin, "category.")[-1] == upserted(second, "Kitchen", "kitchen", None, 2)


def test_renaming_publishes_the_new_name_and_audits_before_and_after(platform, signed_in, make_category):
    admin = platform.admin
    audio = make_category("Audio")
    manager = signed_in("catalogue_manager")
    response = submit(manager, f"/categories/{audio}/edit", {"name": "Sound & Audio", "slug": "audio"})
    assert response.status_code == 302
    assert outbox_events(admin, "category.")[-1] == upserted(audio, "Sound & Audio", "audio", None, 1)
    entry = audit_entries(admin, "category")[-1]
    assert (entry.staff_email, entry.action, entry.object_id) == (
        "catalogue_manager@example.com",
        "category.renamed",
        str(audio),
    )
    assert (entry.before["name"], entry.after["name"]) == ("Audio", "Sound & Audio")

    events_before = len(outbox_events(admin))
    response = submit(manager, f"/categories/{audio}/edit", {"name": "Sound & Audio", "slug": "audio"})
    assert response.status_code == 302
    assert len(outbox_events(admin)) == events_before  # nothing changed, nothing published


def test_moving_a_subcategory_files_it_last_under_its_new_parent_and_closes_the_gap(platform, signed_in, make_category):
    admin = platform.admin
    audio, home = make_category("Audio"), make_category("Home")
    headphones = make_category("Headphones", audio)
    speakers = make_category("Speakers", audio)
    turntables = make_category("Turntables", audio)
    cookware = make_category("Cookware", home)
    already = len(outbox_events(admin))
    manager = signed_in("catalogue_manager")

    response = move(manager, headphones, home)
    assert response.status_code == 302
    assert tree_state(admin) == {
        "Audio": (None, 1, "active"),
        "Home": (None, 2, "active"),
        "Speakers": ("Audio", 1, "active"),
        "Turntables": ("Audio", 2, "active"),
        "Cookware": ("Home", 1, "active"),
        "Headphones": ("Home", 2, "active"),
    }
    assert outbox_events(admin, "category.")[already:] == [
        upserted(headphones, "Headphones", "headphones", home, 2),
        upserted(speakers, "Speakers", "speakers", audio, 1),
        upserted(turntables, "Turntables", "turntables", audio, 2),
    ]
    entry = audit_entries(admin, "category")[-1]
    assert entry.action == "category.moved" and entry.object_id == str(headphones)
    assert (entry.before["parent_id"], entry.after["parent_id"]) == (audio, home)
    assert cookware  # untouched

    # Back to the top level: a subcategory can become a top-level category.
    assert move(manager, headphones, None).status_code == 302
    assert tree_state(admin)["Headphones"] == (None, 3, "active")


def test_a_third_level_is_refused_with_the_reason_next_to_the_parent_field(platform, signed_in, make_category):
    admin = platform.admin
    audio, home = make_category("Audio"), make_category("Home")
    headphones = make_category("Headphones", audio)
    before_events, before_audit = len(outbox_events(admin)), len(audit_entries(admin, "category"))
    manager = signed_in("catalogue_manager")

    # A parent with subcategories cannot itself go under another category.
    response = move(manager, audio, home)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html.split('id="move-parent-error"', 1)[1].split("</p>", 1)[0]
    assert "Audio has 1 subcategory, so it must stay top-level (a third level is not allowed)" in error
    assert 'aria-describedby="move-parent-help move-parent-error"' in html

    # Nothing can go under a subcategory, whether created there or moved there.
    response = submit(manager, "/categories/new", {"name": "In-ear", "parent": str(headphones)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="parent-error"' in html and "Headphones is itself a subcategory" in html
    assert 'value="In-ear"' in html
    response = move(manager, home, headphones)
    assert response.status_code == 422 and "Headphones is itself a subcategory" in response.get_data(as_text=True)

    # Nor under itself (the only cycle two levels allow).
    response = move(manager, home, home)
    assert response.status_code == 422 and "cannot be filed under itself" in response.get_data(as_text=True)

    assert tree_state(admin) == {
        "Audio": (None, 1, "active"),
        "Home": (None, 2, "active"),
        "Headphones": ("Audio", 1, "active"),
    }
    assert (len(outbox_events(admin)), len(audit_entries(admin, "category"))) == (before_events, before_audit)


def test_up_and_down_buttons_swap_neighbours_and_publish_both_positions(platform, signed_in, make_category):
    admin = platform.admin
    books, toys, garden = make_category("Books"), make_category("Toys"), make_category("Garden")
    already = len(outbox_events(admin))
    manager = signed_in("catalogue_manager")
    html = manager.get("/categories").get_data(as_text=True)
    assert f'action="/categories/{garden}/up"' in html and 'aria-label="Move Garden up"' in html
    # The first cannot go up and the last cannot go down: those buttons are disabled.
    assert 'aria-label="Move Books up" disabled' in html and 'aria-label="Move Garden down" disabled' in html

    response = manager.post(f"/categories/{garden}/up", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and response.headers["Location"] == f"/categories#category-{garden}"
    assert [name for name, _ in sorted(tree_state(admin).items(), key=lambda kv: kv[1][1])] == [
        "Books",
        "Garden",
        "Toys",
    ]
    assert outbox_events(admin, "category.")[already:] == [
        upserted(garden, "Garden", "garden", None, 2),
        upserted(toys, "Toys", "toys", None, 3),
    ]
    entry = audit_entries(admin, "category")[-1]
    assert entry.action == "category.reordered"
    assert (entry.before["position"], entry.after["position"]) == (3, 2)

    # With htmx the tree comes back as the partial the list page includes, not a whole page.
    response = manager.post(
        f"/categories/{books}/down", data={"csrf_token": token_of(manager)}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    partial = response.get_data(as_text=True)
    assert partial.lstrip().startswith('<div id="category-tree">') and "<html" not in partial
    assert tree_state(admin)["Books"][1] == 2

    # Past the end is refused with a message, changing nothing.
    response = manager.post(
        f"/categories/{toys}/down",
        data={"csrf_token": token_of(manager)},
        headers={"Referer": "http://localhost/categories"},
    )
    assert response.status_code == 302
    assert "Toys is already last in its list." in manager.get("/categories").get_data(as_text=True)
    assert tree_state(admin)["Toys"][1] == 3


def test_retiring_asks_first_then_hides_the_category_and_publishes_it_as_retired(platform, signed_in, make_category):
    admin = platform.admin
    audio = make_category("Audio")
    headphones, speakers = make_category("Headphones", audio), make_category("Speakers", audio)
    manager = signed_in("catalogue_manager")

    page = manager.get(f"/categories/{headphones}/retire")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Retire Headphones?</h1>" in html
    assert tree_state(admin)["Headphones"][2] == "active"  # opening the confirmation changes nothing

    response = manager.post(f"/categories/{headphones}/retire", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    assert tree_state(admin)["Headphones"] == ("Audio", 1, "retired")
    assert tree_state(admin)["Speakers"] == ("Audio", 1, "active")  # moved up into the gap
    assert outbox_events(admin, "category.")[-2:] == [
        ("category.retired", {"category_id": headphones}),
        upserted(speakers, "Speakers", "speakers", audio, 1),
    ]
    entry = audit_entries(admin, "category")[-1]
    assert (entry.action, entry.before["status"], entry.after["status"]) == ("category.retired", "active", "retired")

    listing = manager.get("/categories").get_data(as_text=True)
    tree = listing.split('<div id="category-tree">', 1)[1].split("Retired categories", 1)[0]
    assert "Headphones" not in tree and "Speakers" in tree
    assert "<h2>Retired categories</h2>" in listing and '<span class="badge badge-retired">Retired</span>' in listing

    platform.drain()
    assert delivery_statuses(admin, "category.retired") == [("storefront", "delivered"), ("vendor_portal", "delivered")]

    # A retired category's pages say so rather than offering changes.
    response = manager.get(f"/categories/{headphones}/edit")
    assert response.status_code == 409 and "Headphones is retired" in response.get_data(as_text=True)


def test_retiring_a_parent_with_active_subcategories_is_refused_with_a_clear_message(
    platform, signed_in, make_category
):
    admin = platform.admin
    audio = make_category("Audio")
    make_category("Headphones", audio)
    make_category("Speakers", audio)
    already = len(outbox_events(admin))
    manager = signed_in("owner")

    html = manager.get(f"/categories/{audio}/retire").get_data(as_text=True)
    assert "Audio still has 2 active subcategories: Headphones, Speakers. Move or retire them first" in html
    assert f'action="/categories/{audio}/retire"' not in html  # no button to press

    response = manager.post(
        f"/categories/{audio}/retire",
        data={"csrf_token": csrf_from(html)},
        headers={"Referer": f"http://localhost/categories/{audio}/retire"},
    )
    assert response.status_code == 302
    followed = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert "Audio still has 2 active subcategories. Move or retire them first, then retire it." in followed
    assert tree_state(admin)["Audio"][2] == "active"
    assert len(outbox_events(admin)) == already


def test_bad_category_form_keeps_the_input_and_shows_errors_next_to_the_fields(platform, signed_in):
    manager = signed_in("catalogue_manager")
    response = submit(manager, "/categories/new", {"name": "", "parent": "", "slug": "Not A Slug!"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="name-error"' in html and "Enter the category&#39;s name." in html
    assert 'class="error-summary"' in html

    response = submit(manager, "/categories/new", {"name": "Audio", "parent": "", "slug": "Not A Slug!"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="slug-error"' in html and "lower-case letters, digits and single hyphens" in html
    assert 'value="Audio"' in html and 'value="Not A Slug!"' in html
    assert rows(platform.admin, "SELECT id FROM category") == []


def test_category_changes_without_a_csrf_token_are_refused(platform, signed_in, make_category):
    audio = make_category("Audio")
    manager = signed_in("catalogue_manager")
    for url, data in (
        ("/categories/new", {"name": "Books", "parent": ""}),
        (f"/categories/{audio}/edit", {"name": "Sound", "slug": "sound"}),
        (f"/categories/{audio}/retire", {}),
        (f"/categories/{audio}/down", {}),
    ):
        response = manager.post(url, data=data)
        assert response.status_code == 400, url
        assert "Form expired" in response.get_data(as_text=True)
    assert tree_state(platform.admin) == {"Audio": (None, 1, "active")}


@pytest.mark.parametrize("role", ["support", "analyst"])
def test_staff_without_a_catalogue_role_cannot_change_categories_even_by_posting(
    platform, signed_in, make_category, role
):
    audio = make_category("Audio")
    client = signed_in(role)
    token = token_of(client)
    assert client.post("/categories/new", data={"name": "Books", "csrf_token": token}).status_code == 403
    assert client.post(f"/categories/{audio}/retire", data={"csrf_token": token}).status_code == 403
    assert tree_state(platform.admin) == {"Audio": (None, 1, "active")}


def test_two_managers_filing_two_categories_under_each_other_at_once_cannot_make_a_cycle(admin, make_category):
    from admin_portal.categories import operations
    from admin_portal.categories.models import Category
    from admin_portal.extensions import db
    from common_core.errors import FieldError

    books, toys = make_category("Books"), make_category("Toys")
    first_done, release_first = threading.Event(), threading.Event()
    outcome: dict[str, str] = {}

    def books_under_toys() -> None:
        with admin.app_context():
            operations.move_category(db.session.get(Category, books), toys, actor=None)
            first_done.set()
            release_first.wait(10)  # hold the tree lock while the other manager tries
            db.session.commit()
            outcome["first"] = "moved"

    def toys_under_books() -> None:
        first_done.wait(10)
        with admin.app_context():
            try:
                operations.move_category(db.session.get(Category, toys), books, actor=None)
                db.session.commit()
                outcome["second"] = "moved"
            except FieldError as exc:
                db.session.rollback()
                outcome["second"] = exc.message

    threads = [threading.Thread(target=books_under_toys), threading.Thread(target=toys_under_books)]
    for thread in threads:
        thread.start()
    first_done.wait(10)
    time.sleep(0.3)  # let the second move reach the lock before the first commits
    release_first.set()
    for thread in threads:
        thread.join(15)

    assert outcome["first"] == "moved"
    assert "Books is itself a subcategory" in outcome["second"]
    assert tree_state(admin) == {"Toys": (None, 1, "active"), "Books": ("Toys", 1, "active")}
