"""Forms of the order pages: shipping a parcel and cancelling items the store cannot send."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from vendor_portal.orders.formatting import options_text
from vendor_portal.orders.models import VendorOrder, VendorOrderLine
from vendor_portal.orders.operations import CARRIER_MAX, NOTE_MAX, remaining

CARRIERS = ("DHL", "DPD", "FedEx", "GLS", "La Poste", "PostNL", "Royal Mail", "UPS", "USPS")
OTHER_CARRIER = "other"


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class ShipForm(FlaskForm):
    carrier = SelectField(
        "Carrier",
        choices=[
            SelectChoice("", "Choose a carrier"),
            *(SelectChoice(c) for c in CARRIERS),
            SelectChoice(OTHER_CARRIER, "Another carrier"),
        ],
        validators=[InputRequired("Choose the carrier.")],
    )
    carrier_other = StringField(
        "Other carrier's name",
        # No Optional(): it would stop the chain before validate_carrier_other can require it for "other".
        validators=[Length(max=CARRIER_MAX, message=f"Use at most {CARRIER_MAX} characters.")],
        filters=[_strip],
        description="Only when you chose “Another carrier”.",
    )
    tracking_number = StringField(
        "Tracking number",
        validators=[
            DataRequired("Enter the tracking number."),
            Length(min=4, max=40, message="Use 4 to 40 characters."),
            Regexp(r"^[A-Za-z0-9-]+$", message="Use only letters, digits and dashes."),
        ],
        filters=[_strip],
        description="As the carrier gives it: 4 to 40 letters, digits or dashes.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )

    def validate_carrier_other(self, field: StringField) -> None:
        if self.carrier.data == OTHER_CARRIER and not field.data:
            raise ValidationError("Enter the carrier's name.")

    def carrier_name(self) -> str:
        return self.carrier_other.data if self.carrier.data == OTHER_CARRIER else self.carrier.data


class WholeNumberField(IntegerField):
    """An integer whose parse error tells the vendor what to type (WTForms' own is "Not a valid integer value")."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = str(valuelist[0]).strip() if valuelist else ""
        if not raw:
            self.data = None
            return
        try:
            self.data = int(raw)
        except ValueError:
            self.data = None
            raise ValueError("Enter a whole number, like 1.") from None

    def pre_validate(self, form: FlaskForm) -> None:
        if self.process_errors:
            raise StopValidation()  # the parse error says it all; a range check on nothing would only add noise


class CancelLinesForm(FlaskForm):
    """One quantity per line still to send; built per order by cancel_form_for()."""

    note = TextAreaField(
        "Reason",
        validators=[Optional(), Length(max=NOTE_MAX, message=f"Use at most {NOTE_MAX} characters.")],
        filters=[_strip],
        description="Shown to the shopper with the cancellation, such as “Out of stock, sorry”.",
    )
    line_fields: list[tuple[VendorOrderLine, Field]]

    def quantities(self) -> dict[int, int]:
        return {line.id: field.data or 0 for line, field in self.line_fields}

    def chosen(self) -> list[tuple[VendorOrderLine, int]]:
        return [(line, field.data) for line, field in self.line_fields if field.data]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not any(self.quantities().values()):
            self.form_errors.append("Enter a quantity to cancel for at least one item.")
            return False
        return valid


def line_label(line: VendorOrderLine) -> str:
    options = options_text(line.options)
    return f"{line.title}{f' ({options})' if options else ''}, SKU {line.sku}"


def cancel_form_for(order: VendorOrder, *, fill_all: bool = False) -> CancelLinesForm:
    """A cancellation form with a quantity field for each line that still has units to send."""

    class Form(CancelLinesForm):
        pass

    names = []
    for line in order.lines:
        left = remaining(line)
        if left <= 0:
            continue
        name = f"line_{line.id}"
        setattr(
            Form,
            name,
            WholeNumberField(
                line_label(line),
                validators=[
                    InputRequired("Enter how many to cancel, or 0 to send them all."),
                    NumberRange(min=0, max=left, message=f"Enter a number from 0 to {left}."),
                ],
                default=left if fill_all else 0,
                description=f"Up to {left}.",
                render_kw={"inputmode": "numeric", "class": "input-short"},
            ),
        )
        names.append((line, name))
    form = Form()
    form.line_fields = [(line, form[name]) for line, name in names]
    return form
