"""Forms of the customer account pages."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from common_core.auth import password_length


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
