"""Catalogue pages: home, search, category, store, product, and the images they show.

Every page reads only the storefront's own copy, so browsing keeps working while a peer is down.
An htmx request gets the partial of the same template a full request renders. Pages anonymous shoppers
share answer conditional GETs from the catalogue version (catalog/caching.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for

from storefront.catalog import queries, search
from storefront.catalog.caching import shared_page
from storefront.catalog.forms import ListingParams

bp = Blueprint("catalog", __name__, template_folder="templates")

IMMUTABLE = "public, max-age=31536000, immutable"


def is_htmx() -> bool:
    """An htmx swap wants the partial; a boosted link or a history restore wants the whole page."""
    headers = request.headers
    return bool(headers.get("HX-Request")) and not (
        headers.get("HX-Boosted") or headers.get("HX-History-Restore-Request")
    )


def render(full: str, partial: str, **context: Any) -> Response:
    """The page, or for htmx only the part it swaps; caches are told the two differ."""
    response = Response(render_template(partial if is_htmx() else full, **context))
    response.vary.add("HX-Request")
    return response


def render_listing(full: str, listing: search.Listing, action: str, **context: Any) -> Response:
    response = render(full, "catalog/_listing.html", listing=listing, action=action, **context)
    if is_htmx():
        # The address bar shows the tidy URL of the new state, so it can be bookmarked and shared.
        response.headers["HX-Push-Url"] = listing.params.replace(page=listing.page.page).url(action)
    return response


@bp.get("/")
@shared_page
def home() -> Any:
    return render_template("catalog/home.html", home=queries.home_page())


@bp.get("/search")
@shared_page
def search_page() -> Any:
    params = ListingParams.from_args(request.args)
    tree = queries.category_tree()
    listing = search.listing(params, tree)
    return render_listing("catalog/search.html", listing, url_for(".search_page"), facet_category=True)


@bp.get("/search/suggest")
def suggest() -> Any:
    q = ListingParams.from_args(request.args).q
    if is_htmx():
        response = Response(render_template("catalog/_suggestions.html", q=q, suggestions=search.suggestions(q)))
    else:
        response = redirect(url_for(".search_page", q=q or None))  # no JS: the results page is the answer
    response.vary.add("HX-Request")
    return response


@bp.get("/c/<slug>")
@shared_page
def category(slug: str) -> Any:
    tree = queries.category_tree()
    current = tree.by_slug.get(slug) or abort(404)
    params = ListingParams.from_args(request.args)
    listing = search.listing(params, tree, search.Scope(category=current))
    return render_listing(
        "catalog/category.html",
        listing,
        url_for(".category", slug=slug),
        category=current,
        trail=tree.trail(current.id),
        children=tree.children(current),
        facet_category=False,  # subcategories are links above the listing instead
    )


@bp.get("/vendor/<slug>")
@shared_page
def vendor(slug: str) -> Any:
    store = queries.listed_vendor(slug) or abort(404)
    params = ListingParams.from_args(request.args)
    listing = search.listing(params, queries.category_tree(), search.Scope(vendor_id=store.id))
    return render_listing(
        "catalog/vendor.html", listing, url_for(".vendor", slug=slug), store=store, facet_category=True
    )


@bp.get("/p/<int:product_id>")
@bp.get("/p/<int:product_id>-<slug>")
@shared_page
def product(product_id: int, slug: str | None = None) -> Any:
    page = queries.product_page(product_id) or abort(404)
    g.traffic_product = (page.product.id, page.product.vendor_id)  # counted as a product view (traffic.routes)
    canonical = url_for(".product", product_id=product_id, slug=page.product.slug)
    if slug != page.product.slug:
        return redirect(canonical + (f"?{request.query_string.decode()}" if request.query_string else ""), 301)
    chosen = _chosen_options(page)
    if chosen is not None:
        # The option form: one value per option. Without JS it reloads the page on ?variant=<id>.
        variant = page.variant_with(chosen)
        if is_htmx():
            response = render("catalog/detail.html", "catalog/_variant.html", page=page, variant=variant, chosen=chosen)
            if variant is not None:
                response.headers["HX-Replace-Url"] = f"{canonical}?variant={variant.id}"
            return response
        if variant is not None:
            return redirect(f"{canonical}?variant={variant.id}", 303)
        return render_template("catalog/detail.html", page=page, variant=None, chosen=chosen)
    variant = page.variant(request.args.get("variant", type=int))
    chosen = dict(variant.options) if variant else {}
    return render("catalog/detail.html", "catalog/_variant.html", page=page, variant=variant, chosen=chosen)


def _chosen_options(page: queries.ProductPage) -> dict[str, str] | None:
    """The option values picked in the option form (fields option-0, option-1 ...), if it was sent."""
    options = page.product.options or []
    if not options or "option-0" not in request.args:
        return None
    return {option["name"]: request.args.get(f"option-{index}", "") for index, option in enumerate(options)}


@bp.get("/images/<int:image_id>/<size>.<ext>")
def image(image_id: int, size: str, ext: str) -> Any:
    found = queries.image_file(image_id, size) or abort(404)
    if queries.EXTENSIONS.get(found.content_type) != ext:
        abort(404)
    version = found.sha256[:16]
    if request.args.get("v") != version:
        # An old or missing version: point at the current bytes, whose URL can be cached for good.
        response = redirect(url_for(".image", image_id=image_id, size=size, ext=ext, v=version), 302)
        response.headers["Cache-Control"] = "no-cache"
        return response
    response = Response(found.data, mimetype=found.content_type)
    response.set_etag(f"{found.sha256}-{size}")
    response.headers["Cache-Control"] = IMMUTABLE
    response.headers["Content-Disposition"] = "inline"
    return response.make_conditional(request)
