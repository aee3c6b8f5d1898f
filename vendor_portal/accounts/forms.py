"""Forms of the vendor sign-up, sign-in and store profile pages."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, TelField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional, Regexp, ValidationError

from common_core.auth import password_length


class SignUpForm(FlaskForm):
    store_name = StringField(
        "Store name",
        validators=[InputRequired("Enter your store's name."), Length(max=120, message="Use at most 120 characters.")],
        description="Shoppers see this name on your products. You can change it later in your store profile.",
        render_kw={"autocomplete": "organization"},
    )
    contact_name = StringField(
        "Your name",
        validators=[InputRequired("Enter your name."), Length(max=120, message="Use at most 120 characters.")],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        "Email address",
        validators=[
            InputRequired("Enter your email address."),
            Email("Enter a valid email address."),
            Length(max=320, message="Use at most 320 characters."),
        ],
        description="You sign in with it, and we write to it about your store.",
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
        "Email address",
        validators=[InputRequired("Enter your email address.")],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter your password.")],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class ProfileForm(FlaskForm):
    """The store profile: what shoppers and the marketplace team know about the store."""

    store_name = StringField(
        "Store name",
        validators=[InputRequired("Enter your store's name."), Length(max=120, message="Use at most 120 characters.")],
        description="Shoppers see this name on your products and your store page.",
        render_kw={"autocomplete": "organization"},
    )
    description = TextAreaField(
        "About your store",
        validators=[Length(max=5000, message="Use at most 5,000 characters.")],
        description="A few sentences for your store page: what you sell and why shoppers can trust you.",
    )
    contact_name = StringField(
        "Contact name",
        validators=[InputRequired("Enter a contact name."), Length(max=120, message="Use at most 120 characters.")],
        description="Who the marketplace team asks for.",
        render_kw={"autocomplete": "name"},
    )
    phone = TelField(
        "Phone",
        validators=[
            Optional(),
            Length(max=40, message="Use at most 40 characters."),
            Regexp(r"^\+?[0-9 ()./-]{5,}$", message="Enter a phone number, like +44 20 7946 0000."),
        ],
        render_kw={"autocomplete": "tel", "class": "input-short"},
    )
    email = EmailField(
        "Contact email",
        validators=[
            InputRequired("Enter the store's contact email address."),
            Email("Enter a valid email address."),
            Length(max=320, message="Use at most 320 characters."),
        ],
        description="Where we write about your store and orders. Signing in keeps using your own address.",
        render_kw={"autocomplete": "email"},
    )
    return_policy = TextAreaField(
        "Return policy",
        validators=[Length(max=10000, message="Use at most 10,000 characters.")],
        description="How long shoppers have to return items, and who pays for the return.",
    )
    logo = FileField(
        "Upload a new logo",
        description="A square JPEG, PNG or WebP image, up to 8 MB.",
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    remove_logo = BooleanField("Remove the current logo")

    def validate_store_name(self, field: StringField) -> None:
        if field.data is not None and not field.data.strip():
            raise ValidationError("Enter your store's name.")

    def validate_contact_name(self, field: StringField) -> None:
        if field.data is not None and not field.data.strip():
            raise ValidationError("Enter a contact name.")

    def details(self) -> dict[str, str | None]:
        return {
            "store_name": self.store_name.data,
            "description": self.description.data,
            "contact_name": self.contact_name.data,
            "phone": self.phone.data,
            "email": self.email.data,
            "return_policy": self.return_policy.data,
        }
