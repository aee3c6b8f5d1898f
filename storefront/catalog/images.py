"""Product images in the catalogue copy: which bytes to fetch from the vendor portal, and the rows that hold them.

Bytes are fetched only for a sha256 the shop does not hold yet; an image re-sent, reordered or shared by
another product reuses the stored copy, so most product.upserted events need no call at all.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from common_core.errors import PeerError
from storefront.catalog.models import ProductImage
from storefront.extensions import db
from storefront.internal.peers import VendorPortalClient

log = logging.getLogger("marketplace.catalog")

IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp"}
img = ProductImage.__table__


def replace_images(product_id: int, images: list[dict[str, Any]], fetched: dict[int, dict[str, Any]]) -> None:
    """Make the product's image rows match the event, reusing bytes the shop already holds by sha256."""
    stored = db.session.execute(
        sa.select(img.c.id, img.c.sha256).where(
            sa.or_(img.c.id.in_([i["id"] for i in images]), img.c.sha256.in_([i["sha256"] for i in images]))
        )
    ).all()
    sha_of = {row.id: row.sha256 for row in stored}
    holder_of = {row.sha256: row.id for row in stored}
    unchanged = [i for i in images if i["id"] not in fetched and sha_of.get(i["id"]) == i["sha256"]]
    copied = [i for i in images if i not in unchanged and i["id"] not in fetched and i["sha256"] in holder_of]
    # Copies go first, while every row still holds the bytes its sha256 says.
    for image in copied:
        _copy_image(product_id, image, holder_of[image["sha256"]])
    for image in unchanged:
        db.session.execute(sa.update(img).where(img.c.id == image["id"]).values(**_image_row(product_id, image)))
    for image_id, got in fetched.items():
        image = next(i for i in images if i["id"] == image_id)
        row = _image_row(product_id, image) | got
        statement = insert(img).values(id=image_id, **row)
        db.session.execute(statement.on_conflict_do_update(index_elements=[img.c.id], set_=row))
    # Rows the event no longer lists go, and so do stale ones the vendor portal could not give again.
    kept = [i["id"] for i in (*unchanged, *copied)] + list(fetched)
    db.session.execute(
        sa.delete(img).where(
            sa.or_(img.c.product_id == product_id, img.c.id.in_([i["id"] for i in images])), img.c.id.not_in(kept)
        )
    )


def _image_row(product_id: int, image: dict[str, Any]) -> dict[str, Any]:
    return {"product_id": product_id, **{k: image[k] for k in ("position", "is_main", "width", "height")}}


def _copy_image(product_id: int, image: dict[str, Any], holder_id: int) -> None:
    """A new image row with the bytes of a row that has the same sha256 (no fetch needed)."""
    row = _image_row(product_id, image)
    copy = sa.select(
        sa.literal(image["id"]),
        *(sa.literal(value, img.c[name].type) for name, value in row.items()),
        img.c.sha256,
        img.c.content_type,
        img.c.thumbnail,
        img.c.medium,
    ).where(img.c.id == holder_id)
    statement = insert(img).from_select(["id", *row, "sha256", "content_type", "thumbnail", "medium"], copy)
    copied = ("sha256", "content_type", "thumbnail", "medium")
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[img.c.id], set_={name: statement.excluded[name] for name in (*row, *copied)}
        )
    )


def fetch_new_images(images: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Fetch the sizes of images whose bytes the shop does not hold yet (by sha256)."""
    if not images:
        return {}
    held = set(
        db.session.scalars(
            sa.select(img.c.sha256).where(img.c.sha256.in_([i["sha256"] for i in images])).distinct()
        ).all()
    )
    wanted = [image for image in images if image["sha256"] not in held]
    if not wanted:
        return {}
    client = VendorPortalClient()
    fetched: dict[int, dict[str, Any]] = {}
    for image in wanted:
        try:
            answer = client.image(image["id"])
        except PeerError as exc:
            if exc.status != 404:
                raise
            # Deleted since the event was sent: the product's next upsert no longer lists it.
            log.warning("image gone from the vendor portal", extra={"image_id": image["id"]})
            continue
        decoded = _decode_image(answer)
        if decoded is None:
            log.warning("image refused: not a JPEG, PNG or WebP", extra={"image_id": image["id"]})
            continue
        fetched[image["id"]] = decoded
    return fetched


def _decode_image(answer: Any) -> dict[str, Any] | None:
    if not isinstance(answer, dict):
        return None
    content_type = answer.get("content_type")
    sha256 = str(answer.get("sha256") or "")
    try:
        thumbnail = base64.b64decode(str(answer.get("thumbnail") or ""), validate=True)
        medium = base64.b64decode(str(answer.get("medium") or ""), validate=True)
    except (binascii.Error, ValueError):
        return None
    # Only bytes that really are images are ever served from the shop's domain.
    if content_type not in IMAGE_TYPES or not re.fullmatch(r"[0-9a-f]{64}", sha256):
        return None
    if not (_looks_like_image(thumbnail) and _looks_like_image(medium)):
        return None
    return {"sha256": sha256, "content_type": content_type, "thumbnail": thumbnail, "medium": medium}


def _looks_like_image(data: bytes) -> bool:
    return (
        data.startswith(b"\xff\xd8\xff")
        or data.startswith(b"\x89PNG\r\n\x1a\n")
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    )
