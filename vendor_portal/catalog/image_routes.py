"""Image pages of a product (upload, reorder, main image, delete) and the vendor's own media files."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from common_core.errors import FieldError
from common_core.web import attach_field_error
from vendor_portal.catalog import images
from vendor_portal.catalog.forms import ImageUploadForm
from vendor_portal.catalog.models import Media
from vendor_portal.catalog.queries import media_bytes, media_sha256, products_of
from vendor_portal.catalog.routes import bp, render_edit_page
from vendor_portal.extensions import db

media_bp = Blueprint("media", __name__)

# Each URL names its bytes (sha256 prefix), so a browser may keep them for a year without asking again.
IMMUTABLE = "private, max-age=31536000, immutable"
COLUMNS = {"thumb": "thumbnail", "medium": "medium", "original": "original"}
PREFIX_LENGTH = 12


@bp.post("/<int:product_id>/images")
@login_required
def upload_images(product_id: int) -> Any:
    product = products_of(current_user.vendor).get_or_404(product_id, for_update=True)
    form = ImageUploadForm()
    if form.validate_on_submit():
        try:
            uploads = [images.read_upload(f.stream, f.filename) for f in form.images.data if f.filename]
            added = images.add_images(product, uploads, actor=current_user)
        except FieldError as exc:
            attach_field_error(form, exc)
        else:
            db.session.commit()
            flash(_added_message(added, len(uploads)), "success")
            return redirect(url_for(".edit", product_id=product.id, _anchor="images"))
    return render_edit_page(product, upload=form)


@bp.post("/<int:product_id>/images/<int:image_id>/move")
@login_required
def move_image(product_id: int, image_id: int) -> Any:
    products = products_of(current_user.vendor)
    product = products.get_or_404(product_id, for_update=True)
    image = products.image_or_404(product, image_id)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        abort(400)
    images.move_image(product, image, direction, actor=current_user)
    db.session.commit()
    return redirect(url_for(".edit", product_id=product.id, _anchor="images"))


@bp.post("/<int:product_id>/images/<int:image_id>/main")
@login_required
def main_image(product_id: int, image_id: int) -> Any:
    products = products_of(current_user.vendor)
    product = products.get_or_404(product_id, for_update=True)
    images.set_main_image(product, products.image_or_404(product, image_id), actor=current_user)
    db.session.commit()
    flash("The main image is changed: shoppers see it first.", "success")
    return redirect(url_for(".edit", product_id=product.id, _anchor="images"))


@bp.route("/<int:product_id>/images/<int:image_id>/delete", methods=["GET", "POST"])
@login_required
def delete_image(product_id: int, image_id: int) -> Any:
    """GET asks for confirmation; POST deletes."""
    products = products_of(current_user.vendor)
    product = products.get_or_404(product_id, for_update=request.method == "POST")
    image = products.image_or_404(product, image_id)
    if request.method == "GET":
        return render_template("catalog/delete_image.html", product=product, image=image, vendor=current_user.vendor)
    images.delete_image(product, image, actor=current_user)
    db.session.commit()
    flash("The image is deleted.", "success")
    return redirect(url_for(".edit", product_id=product.id, _anchor="images"))


@media_bp.get("/media/<int:media_id>/<any(thumb,medium,original):size>-<prefix>.<any(webp,jpg,png):ext>")
@login_required
def serve(media_id: int, size: str, prefix: str, ext: str) -> Any:
    """One of the store's own images; another store's media id is 404 like a missing one."""
    vendor_id = current_user.vendor_id
    sha256 = media_sha256(vendor_id, media_id)
    if sha256 is None or len(prefix) < PREFIX_LENGTH or not sha256.startswith(prefix):
        abort(404)
    etag = f"{sha256}-{size}"
    if request.if_none_match.contains(etag):
        return _cached(Response(status=304), etag)  # the browser has these bytes: do not read the blob
    stored = media_bytes(vendor_id, media_id, COLUMNS[size])
    if stored is None:
        abort(404)
    content_type = images.original_type(stored.data) if size == "original" else images.DERIVED_TYPE
    if images.EXTENSIONS[content_type] != ext:
        abort(404)
    return _cached(Response(stored.data, mimetype=content_type), etag)


def _cached(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = IMMUTABLE
    return response


@media_bp.app_template_global()
def media_url(media: Media, size: str = "thumb", content_type: str | None = None) -> str:
    """The address of one size of a media; `content_type` names the original's type for size "original"."""
    kind = content_type if size == "original" and content_type else images.DERIVED_TYPE
    return url_for(
        "media.serve",
        media_id=media.id,
        size=size,
        prefix=media.sha256[:PREFIX_LENGTH],
        ext=images.EXTENSIONS[kind],
    )


@media_bp.app_template_global()
def media_size(media: Media, size: str = "thumb") -> tuple[int, int]:
    """Width and height of a stored size, for the img element's width and height."""
    return images.derived_size(media, images.THUMB_WIDTH if size == "thumb" else images.MEDIUM_WIDTH)


def _added_message(added: int, uploaded: int) -> str:
    if added == uploaded:
        return f"{added} image{'s' if added != 1 else ''} added."
    return f"{added} of {uploaded} images added; the others were already on this product."
