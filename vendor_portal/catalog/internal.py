"""Internal endpoints of the catalog domain, registered on the vendor portal's signed API, and its event handlers."""

from __future__ import annotations

import base64
from typing import Any

from common_core.errors import NotFound
from vendor_portal.catalog.events import CATEGORY_HANDLERS
from vendor_portal.catalog.queries import image_for_peer
from vendor_portal.internal.routes import HANDLERS, api

HANDLERS.update(CATEGORY_HANDLERS)

IMAGE_SIZES = {
    "type": "object",
    "required": ["image_id", "sha256", "content_type", "width", "height", "thumbnail", "medium"],
    "additionalProperties": False,
    "properties": {
        "image_id": {"type": "integer"},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "SHA-256 of the original upload"},
        "content_type": {
            "type": "string",
            "enum": ["image/jpeg", "image/png", "image/webp"],
            "description": "The encoding of thumbnail and medium",
        },
        "width": {"type": "integer", "minimum": 1, "description": "Of the original, upright"},
        "height": {"type": "integer", "minimum": 1},
        "thumbnail": {"type": "string", "contentEncoding": "base64", "description": "At most 320 px wide"},
        "medium": {"type": "string", "contentEncoding": "base64", "description": "At most 1000 px wide"},
    },
}


@api.route(
    "/images/<int:image_id>",
    methods=["GET"],
    summary="A product image's shop sizes (thumbnail and medium), for catalogue copies",
    response=IMAGE_SIZES,
    callers=("storefront", "admin_portal"),
)
def product_image(image_id: int) -> Any:
    found = image_for_peer(image_id)
    if found is None:
        raise NotFound(f"There is no image {image_id}.")
    image, media, thumbnail, medium = found
    return {
        "image_id": image.id,
        "sha256": media.sha256,
        "content_type": media.content_type,
        "width": media.width,
        "height": media.height,
        "thumbnail": base64.b64encode(thumbnail).decode("ascii"),
        "medium": base64.b64encode(medium).decode("ascii"),
    }
