"""Forms of the staff sign-in and staff management pages."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from admin_portal.staff.models import ROLE_LABELS
from admin_portal.staff.operations import NAME_MAX
from common_core.auth import password_length


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address", validators=[InputRequired("Enter your email address.")], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password.")], render_kw={"autocomplete": "current-password"}
    )
    next = HiddenField()


class StaffCreateForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[
            InputRequired("Enter their email address."),
            Email("Enter a valid email address."),
            Length(max=320),
        ],
        render_kw={"autocomplete": "off"},
    )
    name = StringField(
        "Full name",
        validators=[InputRequired("Enter their name."), Length(max=NAME_MAX)],
        render_kw={"autocomplete": "off"},
    )
    role = SelectField(
        "Role",
        choices=[SelectChoice(value, label) for value, label in ROLE_LABELS.items()],
        validators=[InputRequired("Choose a role.")],
        description="Only owners can manage staff accounts.",
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired("Choose a password."), password_length()],
        description="At least 8 characters. Share it with them privately.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        "Repeat the password",
        validators=[InputRequired("Repeat the password."), EqualTo("password", "The two passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
