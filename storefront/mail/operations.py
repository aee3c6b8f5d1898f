"""Outgoing email: queued as OutboundEmail rows in the transaction of what they tell, sent by a relay chore.

With SMTP_HOST configured the chore sends through that server (SMTP_PORT, SMTP_USER, SMTP_PASSWORD,
SMTP_STARTTLS, MAIL_FROM); without it each message is written as an .eml file to var/mail/ (handy in
development: open it in any mail client). A failed send is retried with growing pauses (attempts and
last_error say why), up to MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template

from common_core.db import utcnow
from common_core.paths import var_dir
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.orders import queries as orders
from storefront.orders.models import Order

log = logging.getLogger("marketplace.storefront.mail")

MAX_ATTEMPTS = 12
BATCH = 20
FIRST_RETRY_SECONDS = 5  # then 10, 20, 40 ... seconds after the message was queued


def queue_email(to_address: str, subject: str, body_text: str, body_html: str) -> OutboundEmail:
    email = OutboundEmail(to_address=to_address, subject=subject[:200], body_text=body_text, body_html=body_html)
    db.session.add(email)
    return email


def queue_template(to_address: str, subject: str, template: str, **context: Any) -> OutboundEmail:
    """Render mail/<template>.txt and .html (the HTML autoescaped) and queue them."""
    text = render_template(f"mail/{template}.txt", subject=subject, **context)
    html = render_template(f"mail/{template}.html", subject=subject, **context)
    return queue_email(to_address, subject, text, html)


def setting(name: str, default: str | None = None) -> str | None:
    """Mail settings from the app config, else the environment (SMTP_HOST, MAIL_FROM ...)."""
    value = current_app.config.get(name)
    return str(value) if value not in (None, "") else os.environ.get(name, default)


def send_due(limit: int = BATCH) -> int:
    """Send (or write out) queued messages that are due; returns how many were attempted. Commits."""
    due = OutboundEmail.created_at + sa.func.make_interval(
        0, 0, 0, 0, 0, 0, FIRST_RETRY_SECONDS * (sa.func.power(2, OutboundEmail.attempts) - 1)
    )
    emails = db.session.scalars(
        sa.select(OutboundEmail)
        .where(OutboundEmail.sent_at.is_(None), OutboundEmail.attempts < MAX_ATTEMPTS, due <= sa.func.now())
        .order_by(OutboundEmail.created_at, OutboundEmail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # two relays never send the same message
    ).all()
    for email in emails:
        email.attempts += 1
        try:
            deliver(email)
        except (OSError, smtplib.SMTPException) as exc:
            email.last_error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("email not sent", extra={"email_id": email.id, "attempts": email.attempts})
        else:
            email.sent_at = utcnow()
            email.last_error = None
    db.session.commit()
    return len(emails)


def message_of(email: OutboundEmail) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = email.subject
    message["From"] = setting("MAIL_FROM", "Marketplace <no-reply@marketplace.localhost>")
    message["To"] = email.to_address
    message["Message-ID"] = make_msgid(idstring=f"mail{email.id}", domain="marketplace.localhost")
    message.set_content(email.body_text)
    message.add_alternative(email.body_html, subtype="html")
    return message


def deliver(email: OutboundEmail) -> None:
    message = message_of(email)
    host = setting("SMTP_HOST")
    if not host:
        folder = mail_dir()
        name = f"{(email.created_at or utcnow()):%Y%m%d-%H%M%S}-{email.id}.eml"
        (folder / name).write_bytes(bytes(message))
        return
    port = int(setting("SMTP_PORT", "587") or 587)
    with smtplib.SMTP(host, port, timeout=15) as smtp:
        if (setting("SMTP_STARTTLS", "true") or "").lower() in ("1", "true", "yes", "on"):
            smtp.starttls(context=ssl.create_default_context())
        user = setting("SMTP_USER")
        if user:
            smtp.login(user, setting("SMTP_PASSWORD", "") or "")
        smtp.send_message(message)


def mail_dir() -> Path:
    folder = Path(setting("MAIL_DIR") or var_dir() / "mail")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def queue_order_confirmation(order: Order) -> OutboundEmail:
    """ "Your order is placed": each store's part, the totals and, for a guest, the signed link to follow it."""
    link = (
        orders.guest_link(order)
        if order.customer_id is None
        else orders.external_url("orders.detail", number=order.number)
    )
    payment = orders.captured_payment(order)
    return queue_template(
        order.email,
        f"Your order {order.number} is placed",
        "order_confirmation",
        order=order,
        parts=orders.parts_of(order, timelines=False),
        link=link,
        is_guest=order.customer_id is None,
        link_days=orders.GUEST_LINK_MAX_AGE.days,
        payment=payment,
    )
