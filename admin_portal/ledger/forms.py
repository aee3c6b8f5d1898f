"""The payout form of the ledger."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length

from admin_portal.ledger.models import REFERENCE_MAX


class PayoutForm(FlaskForm):
    amount = StringField(
        "Amount paid",
        validators=[InputRequired("Enter the amount paid.")],
        description="At most the balance owed, up to two decimals.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    currency = SelectField("Currency", choices=[], validators=[InputRequired("Choose the currency.")])
    reference = StringField(
        "Payment reference",
        validators=[
            InputRequired("Enter the payment's reference, such as the bank transfer id."),
            Length(max=REFERENCE_MAX, message=f"Use at most {REFERENCE_MAX} characters."),
        ],
        description="The bank transfer id or similar, so the payout can be traced.",
        render_kw={"autocomplete": "off"},
    )
    # Set by the confirmation page: without it the form only asks "are you sure?" (works without JS).
    confirmed = HiddenField()

    def with_currencies(self, currencies: list[str]) -> PayoutForm:
        self.currency.choices = [SelectChoice(c, c) for c in currencies]
        return self
