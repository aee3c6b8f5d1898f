"""Staff actions on products and on the moderation queue. Operations flush; the request commits.

Hiding, restoring and adjusting stock are done by the vendor portal, which owns products: the call comes
first and only its answer is recorded here (audit entry, flags closed), so a vendor portal that is down
or refuses leaves no trace. Each staff action carries its own request id (made when its form was shown),
which the vendor portal uses to apply a repeat once, and which the audit entry keeps.
"""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from admin_portal import audit
from admin_portal.account.models import PlatformSetting
from admin_portal.extensions import db
from admin_portal.products import queries
from admin_portal.products.client import VendorCatalog
from admin_portal.products.models import ModerationFlag
from admin_portal.staff.access import CATALOGUE_ROLES
from common_core.db import utcnow
from common_core.errors import FieldError, NotAllowed

REASON_MAX = 1000
NOTE_MAX = 500
STOCK_REASONS = {
    "received": "Stock received",
    "correction": "Correction after a count",
    "damaged": "Damaged or lost",
}
KEYWORD_MIN, KEYWORD_MAX, KEYWORDS_MAX = 2, 60, 200
REPORTER_MAX = 320
# The partial unique index that keeps one open keyword flag per product (ON CONFLICT must name its predicate).
OPEN_KEYWORD_FLAG = sa.text("kind = 'keyword' AND status = 'open'")


# --- hiding and restoring --------------------------------------------------------------------------------


def hide_product(product_id: int, reason: str, *, request_id: str, actor: Any) -> dict[str, Any]:
    """Hide a product from shoppers (the vendor is shown `reason`) and close its open flags as hidden.

    Returns the vendor portal's answer (hidden_reason, listed, changed, before). PeerUnavailable and
    PeerError propagate before anything is written here.
    """
    _require_manager(actor)
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", "Give the reason for hiding it; the vendor is shown it.")
    if len(reason) > REASON_MAX:
        raise FieldError("reason", f"Use at most {REASON_MAX} characters.")
    answer = VendorCatalog().hide(product_id, reason, request_id)
    closed = _close_flags(product_id, "hidden", actor)
    if answer["changed"] or closed:
        audit.record(
            actor,
            "product.hidden",
            "product",
            product_id,
            answer.get("before"),
            {
                "hidden_reason": answer["hidden_reason"],
                "listed": answer["listed"],
                "flags_closed": closed,
                "request_id": request_id,
            },
        )
    return answer


def restore_product(product_id: int, *, request_id: str, actor: Any) -> dict[str, Any]:
    """Let shoppers see a hidden product again (if it is otherwise listed); returns the vendor portal's answer."""
    _require_manager(actor)
    answer = VendorCatalog().restore(product_id, request_id)
    if answer["changed"]:
        audit.record(
            actor,
            "product.restored",
            "product",
            product_id,
            answer.get("before"),
            {"hidden_reason": None, "listed": answer["listed"], "request_id": request_id},
        )
    return answer


# --- stock --------------------------------------------------------------------------------------------------


def adjust_stock(
    product: dict[str, Any],
    variant_id: int | None,
    delta: int | None,
    *,
    reason: str,
    note: str,
    request_id: str,
    actor: Any,
) -> dict[str, Any]:
    """Change a variant's stock on the vendor's behalf; the history names the staff member (staff:<email>).

    `product` is the vendor portal's detail of the product the page showed: the variant must be one of its.
    A repeat of request_id is answered with the first adjustment (replayed) and audited once.
    """
    _require_manager(actor)
    variant = next((v for v in product["variants"] if v["variant_id"] == variant_id), None)
    if variant is None:
        raise FieldError("variant_id", "Choose one of this product's variants.")
    if not delta:
        raise FieldError("delta", "Enter a number other than 0: positive adds stock, negative removes it.")
    if reason not in STOCK_REASONS:
        raise FieldError("reason", "Choose why the stock changes.")
    note = (note or "").strip()
    if not note:
        raise FieldError("note", "Say why; the vendor sees this note in their stock history.")
    if len(note) > NOTE_MAX:
        raise FieldError("note", f"Use at most {NOTE_MAX} characters.")
    answer = VendorCatalog().adjust_stock(
        variant["variant_id"], delta=delta, reason=reason, note=note, request_id=request_id, staff_email=actor.email
    )
    if not answer["replayed"]:
        audit.record(
            actor,
            "product.stock_adjusted",
            "product",
            product["product_id"],
            {"variant_id": answer["variant_id"], "stock_on_hand": answer["on_hand_after"] - answer["delta"]},
            {
                "variant_id": answer["variant_id"],
                "sku": answer.get("sku"),
                "stock_on_hand": answer["on_hand_after"],
                "delta": answer["delta"],
                "reason": answer["reason"],
                "note": note,
                "request_id": request_id,
            },
        )
    return answer


# --- the moderation queue ------------------------------------------------------------------------------------


def approve(product_id: int, *, actor: Any) -> int:
    """Close a product's open flags as approved: staff looked and it may stay. Returns how many were open."""
    _require_manager(actor)
    flags = queries.open_flags(product_id)
    if not flags:
        return 0
    before = {
        "open_flags": len(flags),
        "keywords": sorted({word for flag in flags for word in flag.keywords}),
        "reports": sum(1 for flag in flags if flag.kind == "report"),
    }
    _close_flags(product_id, "approved", actor)
    audit.record(actor, "moderation.approved", "product", product_id, before, {"open_flags": 0, "decision": "approved"})
    return len(flags)


def set_keywords(text: str, *, actor: Any) -> list[str]:
    """Save the keywords that flag a product (one per line or comma-separated), then flag listed products
    whose title has one of the new words. Returns the list saved."""
    _require_manager(actor)
    words: list[str] = []
    for raw in re.split(r"[\n,]", text or ""):
        word = " ".join(raw.split()).casefold()
        if not word or word in words:
            continue
        if not KEYWORD_MIN <= len(word) <= KEYWORD_MAX:
            raise FieldError("keywords", f"“{word}”: each keyword needs {KEYWORD_MIN} to {KEYWORD_MAX} characters.")
        words.append(word)
    if len(words) > KEYWORDS_MAX:
        raise FieldError("keywords", f"Use at most {KEYWORDS_MAX} keywords.")
    before = queries.keywords()
    if words == before:
        return words
    setting = db.session.get(PlatformSetting, queries.KEYWORDS_SETTING)
    if setting is None:
        setting = PlatformSetting(key=queries.KEYWORDS_SETTING)
        db.session.add(setting)
    setting.value = words
    setting.updated_by = actor.id
    db.session.flush()
    added = [word for word in words if word not in before]
    flagged = rescan_titles(added)
    audit.record(
        actor,
        "moderation.keywords_changed",
        "setting",
        queries.KEYWORDS_SETTING,
        {"keywords": ", ".join(before)},
        {"keywords": ", ".join(words), "products_flagged": flagged},
    )
    return words


def rescan_titles(words: list[str]) -> int:
    """Flag listed products of the read model whose title has one of `words` (their descriptions are only
    checked when they next change: the read model keeps titles only). Returns how many were flagged."""
    flagged = 0
    for product in queries.read_model_titles(words):
        found = queries.matching_keywords(words, product.title)
        if found and raise_keyword_flag(product.product_id, product.vendor_id, product.title, found, digest=None):
            flagged += 1
    return flagged


def raise_keyword_flag(
    product_id: int, vendor_id: int | None, title: str, found: list[str], *, digest: str | None
) -> bool:
    """Put a product in the queue for `found` keywords, unless staff already decided on this text.

    An open keyword flag is updated rather than doubled. `digest` identifies the text checked (title,
    brand, description); without one (a rescan of titles) the title alone says whether it was decided.
    Returns whether a new flag was raised.
    """
    current = db.session.scalar(
        sa.select(ModerationFlag)
        .where(
            ModerationFlag.product_id == product_id,
            ModerationFlag.kind == "keyword",
            ModerationFlag.status == "open",
        )
        .with_for_update()
    )
    if current is not None:
        current.keywords = sorted(set(current.keywords) | set(found))
        current.title = title[:200]
        current.content_digest = digest or current.content_digest
        db.session.flush()
        return False
    same_text = ModerationFlag.content_digest == digest if digest else ModerationFlag.title == title[:200]
    decided = db.session.scalar(
        sa.select(
            sa.exists().where(
                ModerationFlag.product_id == product_id,
                ModerationFlag.kind == "keyword",
                ModerationFlag.status != "open",
                same_text,
            )
        )
    )
    if decided:
        return False
    inserted = db.session.execute(
        insert(ModerationFlag)
        .values(
            product_id=product_id,
            vendor_id=vendor_id,
            kind="keyword",
            title=title[:200],
            keywords=sorted(set(found)),
            content_digest=digest,
        )
        .on_conflict_do_nothing(index_elements=["product_id"], index_where=OPEN_KEYWORD_FLAG)
        .returning(ModerationFlag.id)
    ).first()
    return inserted is not None


def text_digest(*parts: str | None) -> str:
    return hashlib.sha256("\n".join(part or "" for part in parts).encode()).hexdigest()


def plain_text(markup: str | None) -> str:
    """The words of the vendor portal's sanitised description HTML."""
    text = re.sub(r"<[^>]*>", " ", markup or "")
    return " ".join(html.unescape(text).split())


def record_report(
    product_id: int, reason: str, reporter: str | None, *, report_id: str | None
) -> tuple[ModerationFlag, bool]:
    """A shopper's report of a product (from the storefront); returns (flag, whether it was new).

    A repeat of report_id returns the first report: the storefront may send one report twice.
    """
    known = db.session.get(queries.ProductSummary, product_id)
    inserted = db.session.execute(
        insert(ModerationFlag)
        .values(
            product_id=product_id,
            vendor_id=known.vendor_id if known else None,
            kind="report",
            title=known.title if known else None,
            reason=reason,
            reporter=(reporter or "")[:REPORTER_MAX] or None,
            report_id=report_id,
        )
        # Two deliveries of one report at once: the second finds the first instead of failing.
        .on_conflict_do_nothing(index_elements=["report_id"])
        .returning(ModerationFlag.id)
    ).first()
    if inserted is not None:
        return db.session.get(ModerationFlag, inserted.id), True
    return db.session.scalar(sa.select(ModerationFlag).where(ModerationFlag.report_id == report_id)), False


def _close_flags(product_id: int, status: str, actor: Any) -> int:
    closed = db.session.execute(
        sa.update(ModerationFlag)
        .where(ModerationFlag.product_id == product_id, ModerationFlag.status == "open")
        .values(status=status, decided_at=utcnow(), decided_by=getattr(actor, "id", None))
    ).rowcount
    db.session.flush()
    return closed


def _require_manager(actor: Any) -> None:
    # Routes are guarded too; this keeps the rule true for every other caller of these operations.
    if actor is None or actor.role not in CATALOGUE_ROLES:
        raise NotAllowed("Only owners and catalogue managers can moderate products.")
