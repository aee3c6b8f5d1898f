"""Uploaded images: checked from their content, resized, stored as Media, and arranged on products.

An upload is trusted only once Pillow has opened and verified it: its name and the browser's
content type count for nothing. The original bytes are kept for the vendor; the sizes the shop shows
(medium, thumbnail) are re-encoded as WebP, which drops EXIF (camera, GPS) along the way.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

import sqlalchemy as sa
from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from common_core.db import utcnow
from common_core.errors import FieldError, InvalidInput, NotAllowed
from vendor_portal.accounts.models import Vendor, VendorUser
from vendor_portal.catalog import events
from vendor_portal.catalog.models import Media, Product, ProductImage
from vendor_portal.extensions import db

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
DERIVED_TYPE = "image/webp"  # the encoding of every medium and thumbnail
MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a small file can decode to gigabytes (decompression bomb): refused before decoding
MEDIUM_WIDTH = 1000
THUMB_WIDTH = 320
MAX_IMAGES_PER_PRODUCT = 20
MAX_FILES_PER_UPLOAD = 10
SIZES = ("thumb", "medium", "original")

NOT_AN_IMAGE = "This file is not a JPEG, PNG or WebP image."


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True)
class PreparedImage:
    """An image checked and resized, ready to store; built without the database (so it can run anywhere)."""

    sha256: str
    original: bytes
    width: int
    height: int
    medium: bytes
    thumbnail: bytes


def max_bytes() -> int:
    return int(current_app.config.get("MEDIA_MAX_BYTES", MAX_BYTES))


def read_upload(stream: IO[bytes], filename: str, field: str = "images") -> Upload:
    """The bytes of one uploaded file, refusing it as soon as it passes the size limit (not after reading it all)."""
    limit = max_bytes()
    data = stream.read(limit + 1)
    name = _display_name(filename)
    if len(data) > limit:
        raise FieldError(field, f"{name}: this file is larger than {limit // (1024 * 1024)} MB.")
    if not data:
        raise FieldError(field, f"{name}: this file is empty.")
    return Upload(name, data)


def prepare_image(data: bytes, *, limit: int = MAX_BYTES) -> PreparedImage:
    """Check an upload from its content and make its shop sizes; InvalidInput says what is wrong."""
    if len(data) > limit:
        raise InvalidInput(f"This file is larger than {limit // (1024 * 1024)} MB.")
    try:
        with Image.open(io.BytesIO(data), formats=tuple(FORMATS)) as probe:
            width, height = probe.size  # read from the header: nothing is decoded yet
            if width * height > MAX_PIXELS:
                raise InvalidInput(
                    f"This image is {width} by {height} pixels; "
                    f"at most {MAX_PIXELS // 1_000_000} megapixels are allowed."
                )
            probe.verify()
        # verify() leaves the image unusable: open it again to decode it for real.
        with Image.open(io.BytesIO(data), formats=tuple(FORMATS)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)  # phones store rotation in EXIF, which is dropped below
            pixels = _web_mode(upright)
    except Image.DecompressionBombError:
        # Pillow's own guard, for headers claiming far more than our limit.
        raise InvalidInput(
            f"This image has too many pixels; at most {MAX_PIXELS // 1_000_000} megapixels are allowed."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise InvalidInput(NOT_AN_IMAGE) from None
    return PreparedImage(
        sha256=hashlib.sha256(data).hexdigest(),
        original=data,
        width=pixels.width,
        height=pixels.height,
        medium=_encode(pixels, MEDIUM_WIDTH),
        thumbnail=_encode(pixels, THUMB_WIDTH),
    )


def _web_mode(image: Image.Image) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    return image.convert("RGBA" if has_alpha else "RGB")


def _encode(image: Image.Image, max_width: int) -> bytes:
    sized = image
    if image.width > max_width:
        sized = image.resize(
            (max_width, max(1, round(image.height * max_width / image.width))), Image.Resampling.LANCZOS
        )
    out = io.BytesIO()
    # No exif= argument: nothing of the original's metadata is written. method=2 encodes about three
    # times faster than the default for files some 5% larger: uploads answer sooner.
    sized.save(out, "WEBP", quality=82, method=2)
    return out.getvalue()


def original_type(data: bytes) -> str:
    """The content type of stored original bytes, from their signature (they were checked on upload)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return "image/webp"


def derived_size(media: Media, max_width: int) -> tuple[int, int]:
    """Width and height of a stored size (for img width/height attributes, so pages do not jump)."""
    if media.width <= max_width:
        return media.width, media.height
    return max_width, max(1, round(media.height * max_width / media.width))


# ---- storing ------------------------------------------------------------------------------------


def store_media(vendor: Vendor, prepared: PreparedImage) -> Media:
    """The vendor's Media row for these bytes: an identical earlier upload is reused, not stored twice."""
    existing = db.session.scalar(
        sa.select(Media).where(Media.vendor_id == vendor.id, Media.sha256 == prepared.sha256).limit(1)
    )
    if existing is not None:
        return existing
    media = Media(
        vendor_id=vendor.id,
        sha256=prepared.sha256,
        content_type=DERIVED_TYPE,
        width=prepared.width,
        height=prepared.height,
        size_bytes=len(prepared.original),
        original=prepared.original,
        medium=prepared.medium,
        thumbnail=prepared.thumbnail,
    )
    db.session.add(media)
    db.session.flush()
    return media


def discard_media_if_unused(media_id: int | None) -> None:
    """Delete a Media row no product image or store logo uses any more."""
    if media_id is None:
        return
    in_use = db.session.scalar(
        sa.select(
            sa.exists().where(ProductImage.media_id == media_id) | sa.exists().where(Vendor.logo_media_id == media_id)
        )
    )
    if not in_use:
        db.session.execute(sa.delete(Media).where(Media.id == media_id))


# ---- product images -----------------------------------------------------------------------------


def add_images(product: Product, uploads: Iterable[Upload], *, actor: VendorUser) -> int:
    """Add checked images at the end of the product's gallery; all or nothing. Returns how many were added."""
    _ensure_member(product, actor)
    uploads = list(uploads)
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise FieldError("images", f"Upload at most {MAX_FILES_PER_UPLOAD} images at a time.")
    prepared = []
    for upload in uploads:
        try:
            prepared.append(prepare_image(upload.data, limit=max_bytes()))
        except InvalidInput as exc:
            raise FieldError("images", f"{upload.filename}: {exc.message}") from None
    present = {image.media.sha256 for image in product.images}
    fresh = [p for p in _unique(prepared) if p.sha256 not in present]
    if len(product.images) + len(fresh) > MAX_IMAGES_PER_PRODUCT:
        raise FieldError("images", f"A product can have at most {MAX_IMAGES_PER_PRODUCT} images.")
    for item in fresh:
        media = store_media(product.vendor, item)
        product.images.append(ProductImage(media=media, position=len(product.images), is_main=not product.images))
    db.session.flush()
    if fresh:
        _changed(product)
    return len(fresh)


def move_image(product: Product, image: ProductImage, direction: str, *, actor: VendorUser) -> bool:
    """Swap an image with its neighbour; False when it is already first (up) or last (down)."""
    _ensure_member(product, actor)
    images = list(product.images)
    index = images.index(image)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(images):
        return False
    images[index], images[other] = images[other], images[index]
    _renumber(images)
    _changed(product)
    return True


def set_main_image(product: Product, image: ProductImage, *, actor: VendorUser) -> None:
    _ensure_member(product, actor)
    if image.is_main:
        return
    for other in product.images:
        other.is_main = False
    db.session.flush()  # the partial unique index allows one main image: clear the old one first
    image.is_main = True
    db.session.flush()
    _changed(product)


def delete_image(product: Product, image: ProductImage, *, actor: VendorUser) -> None:
    _ensure_member(product, actor)
    was_main, media_id = image.is_main, image.media_id
    product.images.remove(image)  # delete-orphan: the row goes at flush
    db.session.flush()
    if was_main and product.images:
        product.images[0].is_main = True
    _renumber(product.images)
    discard_media_if_unused(media_id)
    _changed(product)


def _renumber(images: list[ProductImage]) -> None:
    for position, image in enumerate(images):
        image.position = position
    db.session.flush()


def _unique(prepared: list[PreparedImage]) -> list[PreparedImage]:
    seen: dict[str, PreparedImage] = {}
    for item in prepared:
        seen.setdefault(item.sha256, item)
    return list(seen.values())


def _changed(product: Product) -> None:
    product.updated_at = utcnow()
    db.session.flush()
    db.session.expire(product, ["images"])  # positions changed: read the gallery back in its new order
    if product.listed:
        events.product_upserted(product)


def _ensure_member(product: Product, actor: VendorUser) -> None:
    if actor.vendor_id != product.vendor_id:
        raise NotAllowed("You can only change your own store's products.")


def _display_name(filename: str | None) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:80] or "The file"
