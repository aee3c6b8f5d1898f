"""Forms of the inventory pages: the stock overview's search (GET) and the stock adjustment."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError

from vendor_portal.inventory.operations import REASON_LABELS, VENDOR_REASONS, delta_problem
from vendor_portal.inventory.queries import SHOW_CHOICES, SORT_KEYS, StockSearch

NOT_A_WHOLE_NUMBER = "Enter a whole number, like 12 or -2."
SHOW_LABELS = {"all": "All variants", "low": "Low stock (including out of stock)", "out": "Out of stock"}


class DeltaField(IntegerField):
    """A whole number whose parse error tells the vendor what to type (WTForms' own is "Not a valid integer value")."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        raw = str(valuelist[0]).strip() if valuelist else ""
        if not raw:
            return
        try:
            self.data = int(raw)
        except ValueError:
            raise ValueError(NOT_A_WHOLE_NUMBER) from None

    def pre_validate(self, form: FlaskForm) -> None:
        if self.process_errors:
            raise StopValidation()  # the parse error says it all


class StockAdjustForm(FlaskForm):
    delta = DeltaField(
        "Change in stock",
        validators=[InputRequired("Enter how many units to add or remove, like 12 or -2.")],
        description="A positive number adds units, a negative number removes them.",
        render_kw={"class": "input-short", "autocomplete": "off", "step": "1"},
    )
    reason = SelectField(
        "Reason",
        choices=[SelectChoice(reason, REASON_LABELS[reason]) for reason in VENDOR_REASONS],
        validators=[InputRequired("Choose a reason.")],
        description="Received adds stock, damaged removes it, a correction after a count may do either.",
    )
    note = TextAreaField(
        "Note",
        validators=[Optional(), Length(max=500, message="Use at most 500 characters.")],
        description="For your records, such as a delivery number.",
        render_kw={"rows": 2},
    )

    def validate_delta(self, field: DeltaField) -> None:
        # The same rule adjust_stock enforces, checked here so the message sits next to the field at once.
        if field.data is not None and self.reason.data in VENDOR_REASONS:
            problem = delta_problem(field.data, self.reason.data)
            if problem:
                raise ValidationError(problem)


class StockSearchForm(FlaskForm):
    """GET, so a search is a shareable address and needs no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(
        "Search",
        validators=[Optional(), Length(max=100, message="Use at most 100 characters.")],
        description="Part of a product title or SKU.",
    )
    show = SelectField("Show", choices=[SelectChoice(key, SHOW_LABELS[key]) for key in SHOW_CHOICES], default="all")
    # Kept from the column headers, so a new search keeps the chosen order.
    sort = HiddenField()
    dir = HiddenField()

    def search(self) -> StockSearch:
        """The search to run; unknown sort or filter values (a hand-edited address) fall back to the defaults."""
        sort = self.sort.data if self.sort.data in SORT_KEYS else "title"
        direction = "desc" if self.dir.data == "desc" else "asc"
        text = (self.q.data or "").strip() or None
        return StockSearch(text=text, show=self.show.data, sort=sort, direction=direction)
