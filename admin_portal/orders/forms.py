"""Forms of the order pages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from admin_portal.orders.operations import REASON_MAX, REFUND_REASON_MAX
from admin_portal.products.forms import request_id_field, strip_text
from common_core.db import MAX_DB_INT

STATUS_LABELS = {
    "placed": "Placed",
    "partially_cancelled": "Partly cancelled",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "failed": "Payment failed",
}


def _money(field: StringField) -> None:
    if not field.data:
        return
    try:
        value = Decimal(field.data.strip())
    except InvalidOperation:
        raise ValidationError("Enter an amount such as 25 or 19.99.") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationError("Enter an amount of 0 or more, with at most two decimals.")


class OrderSearchForm(FlaskForm):
    """The list's filters (GET, so a search is a shareable address and needs no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(
        "Search", validators=[Optional(), Length(max=200)], description="Part of an order number or an email."
    )
    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any status"), *(SelectChoice(k, v) for k, v in STATUS_LABELS.items())],
        validators=[Optional()],
    )
    vendor = SelectField("Store", choices=[], validate_choice=False, validators=[Optional()])
    date_from = DateField("Placed from", validators=[Optional()], description="A UTC date, included.")
    date_to = DateField("Placed until", validators=[Optional()], description="A UTC date, included.")
    min_total = StringField("Total at least", validators=[Optional()], render_kw={"inputmode": "decimal"})
    max_total = StringField("Total at most", validators=[Optional()], render_kw={"inputmode": "decimal"})
    customer_id = IntegerField(
        "Customer id",
        validators=[Optional(), NumberRange(min=1, max=MAX_DB_INT, message="Enter a customer id from 1 upwards.")],
    )

    def with_vendors(self, vendors: list[tuple[int, str]]) -> OrderSearchForm:
        self.vendor.choices = [SelectChoice("", "Any store"), *(SelectChoice(str(i), n) for i, n in vendors)]
        return self

    def validate_vendor(self, field: SelectField) -> None:
        if field.data and not (str(field.data).isdigit() and 0 < int(field.data) <= MAX_DB_INT):
            raise ValidationError("Choose a store from the list.")

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Choose a date on or after the start date.")

    def validate_min_total(self, field: StringField) -> None:
        _money(field)

    def validate_max_total(self, field: StringField) -> None:
        _money(field)
        if field.data and self.min_total.data and not self.min_total.errors:
            try:
                if Decimal(field.data) < Decimal(self.min_total.data):
                    raise ValidationError("Enter an amount at least the smallest total.")
            except InvalidOperation:
                return

    def filters(self) -> dict[str, Any]:
        """The storefront's query parameters for this search."""
        return {
            "q": (self.q.data or "").strip() or None,
            "status": self.status.data or None,
            "vendor_id": self.vendor.data or None,
            "date_from": self.date_from.data.isoformat() if self.date_from.data else None,
            "date_to": self.date_to.data.isoformat() if self.date_to.data else None,
            "min_total": f"{Decimal(self.min_total.data.strip()):.2f}" if self.min_total.data else None,
            "max_total": f"{Decimal(self.max_total.data.strip()):.2f}" if self.max_total.data else None,
            "customer_id": self.customer_id.data,
        }


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        filters=[strip_text],
        validators=[
            DataRequired("Give the reason; the customer's order history shows it."),
            Length(max=REASON_MAX, message=f"Use at most {REASON_MAX} characters."),
        ],
        description="Shown in the order's history; the customer is refunded what they paid.",
    )
    request_id = request_id_field()
    confirmed = HiddenField()


class RefundLineForm(Form):
    line_id = HiddenField()
    amount = StringField("Amount", render_kw={"inputmode": "decimal", "autocomplete": "off"})


class RefundForm(FlaskForm):
    amount = StringField(
        "Amount to refund",
        description="Leave empty to refund the sum of the line amounts below.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    reason = TextAreaField(
        "Reason",
        filters=[strip_text],
        validators=[
            DataRequired("Give the reason; the customer sees it on their order."),
            Length(max=REFUND_REASON_MAX, message=f"Use at most {REFUND_REASON_MAX} characters."),
        ],
        description="The customer sees it on their order.",
    )
    lines = FieldList(FormField(RefundLineForm))
    refund_id = request_id_field()
    confirmed = HiddenField()

    def for_order(self, order: dict[str, Any]) -> RefundForm:
        """One amount field per line of the order, labelled with the line (the posted ones kept)."""
        posted = {entry.line_id.data: entry.amount.data for entry in self.lines}
        while self.lines.entries:
            self.lines.pop_entry()
        for line in order["lines"]:
            self.lines.append_entry({"line_id": line["line_id"], "amount": posted.get(line["line_id"]) or ""})
        for entry, line in zip(self.lines, order["lines"], strict=True):
            entry.amount.label.text = f"Refund on {line['title']} ({line.get('sku') or line['line_id']})"
        return self

    def line_amounts(self) -> dict[str, str | None]:
        return {entry.line_id.data: entry.amount.data for entry in self.lines}
