"""Counting shopper page views: an after_request hook on the whole app, registered with this blueprint.

A successful GET of a whole HTML page (not an htmx partial, not static files, images, health checks or
the signed internal API) becomes one traffic row: product_view on a product page (the product view sets
g.traffic_product = (product_id, vendor_id)), page_view otherwise. A 304 (the browser's copy is still
current, see catalog/caching.py) is a view too. The row is written after the response has been sent,
in its own transaction, so counting never slows or breaks a page.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request

from storefront.catalog.routes import is_htmx
from storefront.traffic import operations
from storefront.traffic.internal import register_chores

bp = Blueprint("traffic", __name__, template_folder="templates")

NOT_PAGES = ("/static/", "/images/", "/internal/", "/healthz", "/readyz")
# 304: a browser revalidating a page it has cached is still a shopper looking at that page.
COUNTED_STATUSES = (200, 304)


def count_view(response: Response) -> Response:
    if not _is_shopper_page(response):
        return response
    product_id, vendor_id = g.get("traffic_product") or _product_of_not_modified(response)
    row = operations.traffic_row(
        "product_view" if product_id is not None else "page_view",
        request.path,
        product_id=product_id,
        vendor_id=vendor_id,
    )  # reads (or makes) the visitor id now, while the session can still be saved with the response
    app = current_app._get_current_object()
    response.call_on_close(lambda: operations.record_view(app, row))
    return response


def _product_of_not_modified(response: Response) -> tuple[int | None, int | None]:
    """A product page answered 304 from its ETag never ran the view: the product comes from the URL, its
    store is looked up when the row is written (operations.insert_views)."""
    if response.status_code == 304 and request.endpoint == "catalog.product":
        return (request.view_args or {}).get("product_id"), None
    return None, None


def _is_shopper_page(response: Response) -> bool:
    return (
        request.method == "GET"
        and response.status_code in COUNTED_STATUSES
        and response.mimetype == "text/html"
        and request.endpoint is not None
        and not request.endpoint.endswith("static")
        and not request.path.startswith(NOT_PAGES)
        and not is_htmx()
    )


bp.record_once(lambda state: state.app.after_request(count_view))
bp.record_once(lambda state: register_chores(state.app))
