"""Forms of the customer account pages."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    StringField,
    TelField,
)
from wtforms.validators import AnyOf, DataRequired, Email, EqualTo, InputRequired, Length, Optional, Regexp

from common_core.auth import password_length
from storefront.account.countries import COUNTRY_NAMES, country_field


def strip(value: object) -> object:
    """Surrounding spaces are never meant: "  " is an empty field, " Ada " is "Ada"."""
    return value.strip() if isinstance(value, str) else value


class SignUpForm(FlaskForm):
    name = StringField(
        "Full name", validators=[InputRequired("Enter your name."), Length(max=120)], render_kw={"autocomplete": "name"}
    )
    email = EmailField(
        "Email address",
        validators=[InputRequired("Enter your email address."), Email("Enter a valid email address."), Length(max=320)],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired("Choose a password."), password_length()],
        description="At least 8 characters. A long passphrase is best.",
        render_kw={"autocomplete": "new-password"},
    )


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address", validators=[InputRequired("Enter your email address.")], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password.")], render_kw={"autocomplete": "current-password"}
    )
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired("Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[InputRequired("Choose a new password."), password_length()],
        description="At least 8 characters.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        "Repeat the new password",
        validators=[
            InputRequired("Repeat the new password."),
            EqualTo("new_password", "The two passwords do not match."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ProfileForm(FlaskForm):
    name = StringField(
        "Full name",
        filters=[strip],
        validators=[DataRequired("Enter your name."), Length(max=120, message="Use at most 120 characters.")],
        render_kw={"autocomplete": "name"},
    )


class EmailChangeForm(FlaskForm):
    email = EmailField(
        "New email address",
        filters=[strip],
        validators=[
            InputRequired("Enter your new email address."),
            Email("Enter a valid email address."),
            Length(max=320),
        ],
        render_kw={"autocomplete": "email"},
    )
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired("Enter your current password.")],
        description="To confirm it is you.",
        render_kw={"autocomplete": "current-password"},
    )


# Letters, digits, spaces and hyphens: every national postcode format fits, nothing else gets in.
POSTCODE = r"^[A-Za-z0-9][A-Za-z0-9 -]*$"
PHONE = r"^\+?[0-9 ()./-]{5,40}$"


class AddressForm(FlaskForm):
    name = StringField(
        "Full name",
        filters=[strip],
        validators=[DataRequired("Enter the name of the person receiving parcels."), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    line1 = StringField(
        "Address line 1",
        filters=[strip],
        validators=[DataRequired("Enter the street and number."), Length(max=200)],
        render_kw={"autocomplete": "address-line1"},
    )
    line2 = StringField(
        "Address line 2",
        filters=[strip],
        validators=[Optional(), Length(max=200)],
        description="Flat, floor, building.",
        render_kw={"autocomplete": "address-line2"},
    )
    city = StringField(
        "Town or city",
        filters=[strip],
        validators=[DataRequired("Enter the town or city."), Length(max=100)],
        render_kw={"autocomplete": "address-level2"},
    )
    postcode = StringField(
        "Postcode",
        filters=[strip],
        validators=[
            DataRequired("Enter the postcode."),
            Length(max=20, message="Use at most 20 characters."),
            Regexp(POSTCODE, message="Use only letters, digits, spaces and hyphens."),
        ],
        render_kw={"autocomplete": "postal-code", "class": "input-short"},
    )
    country = country_field(
        validators=[
            InputRequired("Choose a country."),
            # Rather than WTForms' choice check (off in country_field): words a shopper understands.
            AnyOf(COUNTRY_NAMES, message="Choose a country from the list."),
        ],
        render_kw={"autocomplete": "country"},
    )
    phone = TelField(
        "Phone",
        filters=[strip],
        validators=[
            Optional(),
            Regexp(PHONE, message="Enter a phone number of digits, with + and spaces if you like."),
        ],
        description="Only for the courier, if a delivery needs it.",
        render_kw={"autocomplete": "tel"},
    )
    is_default = BooleanField("Use as my default address")

    def values(self) -> dict[str, str | None]:
        """The address fields, trimmed, with empty optional fields as None."""
        return {
            "name": self.name.data,
            "line1": self.line1.data,
            "line2": self.line2.data or None,
            "city": self.city.data,
            "postcode": self.postcode.data.upper(),
            "country": self.country.data,
            "phone": self.phone.data or None,
        }


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for confirmations and one-button posts."""


class WishlistForm(FlaskForm):
    next = HiddenField()
