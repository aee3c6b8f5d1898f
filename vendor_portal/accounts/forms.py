"""Forms of the vendor sign-up and sign-in pages."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import Email, InputRequired, Length

from common_core.auth import password_length


class SignUpForm(FlaskForm):
    store_name = StringField(
        "Store name",
        validators=[InputRequired("Enter your store's name."), Length(max=120, message="Use at most 120 characters.")],
        description="Shoppers see this name on your products. You can ask us to change it later.",
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
