"""The products domain's part of the admin portal's internal API: shoppers' reports of a product (sent by
the storefront) and the keyword check chained to product.upserted."""

from __future__ import annotations

from typing import Any

from flask import request

from admin_portal.extensions import db
from admin_portal.internal.routes import HANDLERS, api, both
from admin_portal.products import handlers, operations
from common_core.db import MAX_DB_INT
from common_core.errors import InvalidInput
from common_core.internal.api import json_object

REASON_MAX = 1000

# The analytics handler keeps the read model the queue names products from; the keyword check follows it
# in the same transaction. Chained here, at import, before the internal API is registered on the app.
HANDLERS["product.upserted"] = both(HANDLERS["product.upserted"], handlers.flag_product)

REPORT_REQUEST = {
    "type": "object",
    "required": ["product_id", "reason"],
    "additionalProperties": False,
    "properties": {
        "product_id": {"type": "integer", "minimum": 1, "description": "The vendor portal's product id."},
        "reason": {"type": "string", "minLength": 1, "maxLength": REASON_MAX, "description": "What the shopper said."},
        "reporter": {
            "type": ["string", "null"],
            "maxLength": operations.REPORTER_MAX,
            "description": 'Who reported it: "customer:12", an email, or null for a guest.',
        },
        "report_id": {
            "type": ["string", "null"],
            "minLength": 1,
            "maxLength": 64,
            "description": "Idempotency key: a repeat returns the first report (duplicate: true).",
        },
    },
}
REPORT_ANSWER = {
    "type": "object",
    "required": ["flag_id", "product_id", "status", "duplicate"],
    "properties": {
        "flag_id": {"type": "integer"},
        "product_id": {"type": "integer"},
        "status": {"type": "string", "enum": ["open", "approved", "hidden"]},
        "duplicate": {"type": "boolean"},
    },
}


@api.route(
    "/moderation/reports",
    methods=["POST"],
    summary="A shopper reports a product: it joins the moderation queue (idempotent by report_id)",
    request=REPORT_REQUEST,
    response=REPORT_ANSWER,
    callers=("storefront",),
)
def report_product() -> Any:
    body = json_object(request.get_json(silent=True), REPORT_REQUEST)
    product_id, reason = body.get("product_id"), body.get("reason")
    reporter, report_id = body.get("reporter"), body.get("report_id")
    if isinstance(product_id, bool) or not isinstance(product_id, int) or not 1 <= product_id <= MAX_DB_INT:
        raise InvalidInput("product_id must be a positive whole number.", field="product_id")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > REASON_MAX:
        raise InvalidInput(f"reason must be text of 1 to {REASON_MAX} characters.", field="reason")
    if reporter is not None and (not isinstance(reporter, str) or len(reporter) > operations.REPORTER_MAX):
        raise InvalidInput(f"reporter must be null or text of at most {operations.REPORTER_MAX} characters.")
    if report_id is not None and (not isinstance(report_id, str) or not 1 <= len(report_id) <= 64):
        raise InvalidInput("report_id must be null or text of 1 to 64 characters.", field="report_id")
    flag, new = operations.record_report(product_id, reason.strip(), reporter, report_id=report_id)
    db.session.commit()
    return {"flag_id": flag.id, "product_id": flag.product_id, "status": flag.status, "duplicate": not new}
