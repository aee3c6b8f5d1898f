"""Forms of the product pages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, StopValidation, ValidationError

from vendor_portal.catalog.models import CURRENCIES

PRICE_MAX = Decimal("9999999999.99")  # what Numeric(12, 2) holds
NOT_A_NUMBER = "Enter the price as a number, like 12.50."


class PriceField(DecimalField):
    """A decimal amount whose parse error tells the vendor what to type (WTForms' own is "Not a valid decimal")."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        raw = str(valuelist[0]).strip() if valuelist else ""
        if not raw:
            return
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        # "NaN" and "Infinity" parse as Decimals but are no price.
        if value is None or not value.is_finite():
            raise ValueError(NOT_A_NUMBER)
        self.data = value

    def pre_validate(self, form: FlaskForm) -> None:
        if self.process_errors:
            raise StopValidation()  # the parse error says it all; range checks on nothing would only add noise


def at_most_two_places(form: FlaskForm, field: PriceField) -> None:
    if field.data is not None and field.data.as_tuple().exponent < -2:
        raise ValidationError("Use at most two decimal places, like 12.50.")


class ProductForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[InputRequired("Enter a title."), Length(max=200, message="Use at most 200 characters.")],
        description='What shoppers see first, such as "Walnut headphone stand".',
    )
    description = TextAreaField(
        "Description",
        validators=[Length(max=20000, message="Use at most 20,000 characters.")],
        description="Materials, sizes, what is in the box. Plain text.",
    )
    price = PriceField(
        "Price",
        places=2,
        validators=[
            InputRequired("Enter a price."),
            NumberRange(min=0, message="The price cannot be negative."),
            NumberRange(max=PRICE_MAX, message="The price is too large."),
            at_most_two_places,
        ],
        description="Including tax, like 12.50.",
        render_kw={"inputmode": "decimal", "class": "input-short"},
    )
    currency = SelectField(
        "Currency",
        choices=[SelectChoice(code) for code in CURRENCIES],
        default="EUR",
        validators=[InputRequired("Choose a currency.")],
    )

    def validate_title(self, field: StringField) -> None:
        if field.data is not None and not field.data.strip():
            raise ValidationError("Enter a title.")
