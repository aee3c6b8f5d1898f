"""The "Report this product" form."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional, Regexp

DETAILS_MAX = 1000
EMAIL_MAX = 320
# The idempotency key the form carries (uuid4 hex when the storefront makes it; admin takes 1 to 64).
REPORT_ID_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
REASONS = {
    "counterfeit": "Counterfeit or fake",
    "prohibited": "Prohibited or dangerous item",
    "offensive": "Offensive content",
    "misleading": "Misleading description or price",
    "other": "Something else",
}


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class ReportForm(FlaskForm):
    report_id = HiddenField(
        validators=[Regexp(REPORT_ID_PATTERN, message="This form expired. Please check your report and send it again.")]
    )
    reason = SelectField(
        "What is wrong with this product?",
        choices=[SelectChoice("", "Choose a reason"), *(SelectChoice(code, label) for code, label in REASONS.items())],
        validators=[InputRequired("Choose what is wrong with this product.")],
    )
    details = TextAreaField(
        "Details",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=DETAILS_MAX, message=f"Write at most {DETAILS_MAX} characters (%(length)d now)."),
        ],
        description=f"Anything that helps our team check it, up to {DETAILS_MAX:,} characters.",
        render_kw={"rows": 6, "maxlength": DETAILS_MAX},
    )
    email = EmailField(
        "Your email address",
        filters=[_strip],
        validators=[
            Optional(),
            Email("Enter a valid email address, like name@example.com."),
            Length(max=EMAIL_MAX, message=f"Enter at most {EMAIL_MAX} characters."),
        ],
        description="Only if our team may contact you about this report.",
        render_kw={"autocomplete": "email", "maxlength": EMAIL_MAX},
    )

    @classmethod
    def for_shopper(cls, customer: Any | None, **kwargs: Any) -> ReportForm:
        """The form as a shopper sees it: a signed-in customer is known, so only guests are asked for an email."""
        form = cls(**kwargs)
        if customer is not None:
            del form.email
        return form

    @property
    def reason_label(self) -> str:
        return REASONS[self.reason.data]

    @property
    def guest_email(self) -> str | None:
        return (self.email.data or None) if self.email is not None else None
