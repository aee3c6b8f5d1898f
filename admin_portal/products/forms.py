"""Forms of the product and moderation pages.

Forms of staff actions carry a request id made when the form is shown: posting the same form twice (a
double click, a reload) is one action to the vendor portal, while a new form is a new action.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import UUID, AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from admin_portal.products.operations import NOTE_MAX, REASON_MAX, STOCK_REASONS

STATUS_LABELS = {"draft": "Draft", "active": "Published", "archived": "Archived"}
STOCK_LABELS = {"low": "Low stock (out included)", "out": "Out of stock", "in": "In stock"}
HIDDEN_LABELS = {"true": "Hidden by staff", "false": "Not hidden"}


def strip_text(value: str | None) -> str | None:
    """Surrounding spaces dropped, so a reason of only spaces counts as missing."""
    return value.strip() if isinstance(value, str) else value


def _new_request_id() -> str:
    return str(uuid.uuid4())


def request_id_field() -> HiddenField:
    return HiddenField(default=_new_request_id, validators=[InputRequired(), UUID("Reload the page and try again.")])


class ProductSearchForm(FlaskForm):
    """The list's filters (GET, so a search is a shareable address and needs no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=200)], description="Part of a title, SKU or brand.")
    vendor = SelectField("Store", choices=[], validate_choice=False, validators=[Optional()])
    category = SelectField("Category", choices=[], validate_choice=False, validators=[Optional()])
    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any status"), *(SelectChoice(k, v) for k, v in STATUS_LABELS.items())],
        validators=[Optional()],
    )
    stock = SelectField(
        "Stock",
        choices=[SelectChoice("", "Any stock"), *(SelectChoice(k, v) for k, v in STOCK_LABELS.items())],
        validators=[Optional()],
    )
    hidden = SelectField(
        "Moderation",
        choices=[SelectChoice("", "Hidden or not"), *(SelectChoice(k, v) for k, v in HIDDEN_LABELS.items())],
        validators=[Optional()],
    )

    def with_choices(self, vendors: list[tuple[int, str]], categories: list[tuple[int, str]]) -> ProductSearchForm:
        self.vendor.choices = [SelectChoice("", "Any store"), *(SelectChoice(str(i), n) for i, n in vendors)]
        self.category.choices = [SelectChoice("", "Any category"), *(SelectChoice(str(i), n) for i, n in categories)]
        return self

    def validate_vendor(self, field: SelectField) -> None:
        _digits(field)

    def validate_category(self, field: SelectField) -> None:
        _digits(field)

    def filters(self) -> dict[str, Any]:
        return {
            "q": (self.q.data or "").strip() or None,
            "vendor_id": self.vendor.data or None,
            "category_id": self.category.data or None,
            "status": self.status.data or None,
            "stock": self.stock.data or None,
            "hidden": self.hidden.data or None,
        }


class HideForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        filters=[strip_text],
        validators=[
            DataRequired("Give the reason for hiding it; the vendor is shown it."),
            Length(max=REASON_MAX, message=f"Use at most {REASON_MAX} characters."),
        ],
        description="The vendor is shown this reason.",
    )
    request_id = request_id_field()
    # Set by the confirmation page: without it the form only asks "are you sure?" (works without JS).
    confirmed = HiddenField()
    # Where to return afterwards: the product's page or the moderation queue.
    back = HiddenField(default="detail", validators=[Optional(), AnyOf(["detail", "moderation"])])


class RestoreForm(FlaskForm):
    request_id = request_id_field()


class StockForm(FlaskForm):
    variant_id = SelectField("Variant", choices=[], coerce=int, validate_choice=False)
    delta = IntegerField(
        "Change",
        validators=[
            InputRequired("Enter the change: positive adds stock, negative removes it."),
            NumberRange(-1_000_000, 1_000_000, "Enter a change of at most 1,000,000 units either way."),
        ],
        description="Units to add (12) or remove (-2).",
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    reason = SelectField(
        "Why",
        choices=[SelectChoice(k, v) for k, v in STOCK_REASONS.items()],
        validators=[InputRequired("Choose why the stock changes.")],
    )
    note = TextAreaField(
        "Note",
        filters=[strip_text],
        validators=[
            DataRequired("Say why; the vendor sees this note in their stock history."),
            Length(max=NOTE_MAX, message=f"Use at most {NOTE_MAX} characters."),
        ],
        description="What happened, for the vendor's stock history (for example the vendor's request by email).",
    )
    request_id = request_id_field()

    def with_variants(self, variants: list[dict[str, Any]]) -> StockForm:
        self.variant_id.choices = [
            SelectChoice(v["variant_id"], f"{v['sku']} — {_options(v)} (available {v['available']})") for v in variants
        ]
        return self


class KeywordsForm(FlaskForm):
    keywords = TextAreaField(
        "Keywords",
        validators=[Length(max=20_000)],
        description="One per line (or separated by commas). A product is flagged when its title, brand or "
        "description has a word starting with one of them, in any case.",
    )


def _digits(field: SelectField) -> None:
    if field.data and not str(field.data).isdigit():
        raise ValidationError("Choose from the list.")


def _options(variant: dict[str, Any]) -> str:
    return " / ".join(variant["options"].values()) if variant.get("options") else "Default"
