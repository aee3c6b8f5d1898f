"""The checkout form: contact, shipping address, shipping method and card, on one page.

The card number and CVC are never written back into the page (their widget renders an empty value),
so after a refused payment the shopper types them again and they never sit in the HTML.
"""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, EmailField, HiddenField, RadioField, SelectChoice, StringField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from storefront.account.countries import COUNTRY_NAMES, country_field
from storefront.checkout import payments
from storefront.checkout.shipping import DEFAULT_METHOD, METHODS

CHECKOUT_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
EXPIRY_RE = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")
NEW_ADDRESS = "new"


class NeverEchoedInput(TextInput):
    """A text input that never renders what was typed (card number, CVC)."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs["value"] = ""
        return super().__call__(field, **kwargs)


def _required_for_new_address(form: CheckoutForm, field: Any) -> None:
    if form.uses_new_address and not (field.data or "").strip():
        raise ValidationError(field.description_required)


class AddressField(StringField):
    """A field of the new address: required only when no saved address is chosen."""

    def __init__(self, label: str, required_message: str, max_length: int, **kwargs: Any) -> None:
        super().__init__(
            label,
            validators=[
                _required_for_new_address,
                Length(max=max_length, message=f"Use at most {max_length} characters."),
            ],
            **kwargs,
        )
        self.description_required = required_message


class CheckoutForm(FlaskForm):
    checkout_key = HiddenField()
    email = EmailField(
        "Email address",
        validators=[
            InputRequired("Enter your email address."),
            Email("Enter a valid email address, like name@example.com."),
            Length(max=320),
        ],
        description="We send your order confirmation and a link to follow your order here.",
        render_kw={"autocomplete": "email"},
    )
    address_choice = RadioField("Ship to", choices=[], validate_choice=False)
    name = AddressField(
        "Full name",
        "Enter the name of the person receiving the parcel.",
        120,
        render_kw={"autocomplete": "shipping name"},
    )
    line1 = AddressField(
        "Address line 1",
        "Enter the street and house number.",
        200,
        render_kw={"autocomplete": "shipping address-line1"},
    )
    line2 = StringField(
        "Address line 2",
        validators=[Optional(), Length(max=200, message="Use at most 200 characters.")],
        description="Flat, floor or building, if any.",
        render_kw={"autocomplete": "shipping address-line2"},
    )
    city = AddressField(
        "Town or city", "Enter the town or city.", 100, render_kw={"autocomplete": "shipping address-level2"}
    )
    postcode = AddressField(
        "Postcode",
        "Enter the postcode.",
        20,
        render_kw={"autocomplete": "shipping postal-code", "class": "input-short"},
    )
    country = country_field(render_kw={"autocomplete": "shipping country"})
    save_address = BooleanField("Save this address to my address book")
    shipping_method = RadioField(
        "Shipping",
        choices=[SelectChoice(code, method.label) for code, method in METHODS.items()],
        default=DEFAULT_METHOD,
        validate_choice=False,
    )
    card_number = StringField(
        "Card number",
        widget=NeverEchoedInput(),
        validators=[InputRequired("Enter your card number.")],
        render_kw={"autocomplete": "cc-number", "inputmode": "numeric", "maxlength": "23"},
    )
    card_expiry = StringField(
        "Expiry date",
        validators=[InputRequired("Enter the expiry date as MM/YY.")],
        description="As on the card, like 08/29.",
        render_kw={"autocomplete": "cc-exp", "inputmode": "numeric", "maxlength": "7", "class": "input-short"},
    )
    card_cvc = StringField(
        "Security code (CVC)",
        widget=NeverEchoedInput(),
        validators=[InputRequired("Enter the security code.")],
        description="The last 3 digits on the back of the card (4 on the front for American Express).",
        render_kw={"autocomplete": "cc-csc", "inputmode": "numeric", "maxlength": "4", "class": "input-short"},
    )
    card_name = StringField(
        "Name on card",
        validators=[InputRequired("Enter the name as it is on the card."), Length(max=120)],
        render_kw={"autocomplete": "cc-name"},
    )

    def set_saved_addresses(self, addresses: list[Any]) -> None:
        """Signed-in customers pick a saved address or enter a new one; guests only enter one."""
        if not addresses:
            del self.address_choice
            self.require_new_address()
            return
        self.address_choice.choices = [SelectChoice(str(a.id), format_address(a)) for a in addresses] + [
            SelectChoice(NEW_ADDRESS, "A new address")
        ]
        if self.address_choice.data in (None, "", "None"):
            default = next((a for a in addresses if a.is_default), addresses[0])
            self.address_choice.data = str(default.id)

    def require_new_address(self) -> None:
        """Mark the new-address fields required (guests, and customers with no saved address)."""
        for name in ("name", "line1", "city", "postcode", "country"):
            self[name].flags.required = True

    @property
    def uses_new_address(self) -> bool:
        return "address_choice" not in self._fields or self.address_choice.data == NEW_ADDRESS

    def validate_address_choice(self, field: Any) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("Choose an address to ship to.")

    def validate_shipping_method(self, field: Any) -> None:
        if field.data not in METHODS:
            raise ValidationError("Choose how your order is sent.")

    def validate_country(self, field: Any) -> None:
        if self.uses_new_address and field.data not in COUNTRY_NAMES:
            raise ValidationError("Choose the country from the list.")

    def validate_postcode(self, field: Any) -> None:
        if (
            self.uses_new_address
            and field.data
            and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 -]{1,19}", field.data.strip())
        ):
            raise ValidationError("Enter a postcode of letters, digits, spaces or dashes.")

    def validate_checkout_key(self, field: Any) -> None:
        if not CHECKOUT_KEY_RE.match(field.data or ""):
            raise ValidationError("This checkout form expired. Please check your details and place your order again.")

    def validate_card_number(self, field: Any) -> None:
        # Messages never repeat the number: they end up in the page and could end up in logs.
        if not payments.luhn_ok(payments.digits_only(field.data)):
            raise ValidationError("Enter a valid card number: 16 digits for most cards, as printed on the card.")

    def validate_card_expiry(self, field: Any) -> None:
        expiry = self.expiry
        if expiry is None:
            raise ValidationError("Enter the expiry date as MM/YY, like 08/29.")
        if payments.expired(*expiry):
            raise ValidationError("Your card has expired. Please use another card.")

    def validate_card_cvc(self, field: Any) -> None:
        if not re.fullmatch(r"\d{3,4}", (field.data or "").strip()):
            raise ValidationError("Enter the 3 or 4 digit security code.")

    @property
    def expiry(self) -> tuple[int, int] | None:
        match = EXPIRY_RE.match(self.card_expiry.data or "")
        if not match:
            return None
        month, year = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            return None
        return month, (2000 + year if year < 100 else year)

    def card(self) -> payments.Card:
        month, year = self.expiry or (0, 0)
        return payments.Card(
            number=payments.digits_only(self.card_number.data),
            exp_month=month,
            exp_year=year,
            cvc=(self.card_cvc.data or "").strip(),
            name=(self.card_name.data or "").strip(),
        )

    def address(self) -> dict[str, str]:
        return {
            "name": self.name.data.strip(),
            "line1": self.line1.data.strip(),
            "line2": (self.line2.data or "").strip(),
            "city": self.city.data.strip(),
            "postcode": self.postcode.data.strip().upper(),
            "country": self.country.data,
        }

    def forget_card(self) -> None:
        """Drop what was typed for the card number and CVC (the widget already never shows them)."""
        for field in (self.card_number, self.card_cvc):
            field.data = None
            field.raw_data = []


def format_address(address: Any) -> str:
    parts = [
        address.name,
        address.line1,
        address.line2,
        f"{address.postcode} {address.city}",
        COUNTRY_NAMES.get(address.country, address.country),
    ]
    return ", ".join(part for part in parts if part)
