"""Forms of the two-factor pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, InputRequired, Regexp


class CodeForm(FlaskForm):
    code = StringField(
        "6-digit code",
        validators=[
            InputRequired("Enter the 6-digit code from your authenticator app."),
            Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message="Enter the 6 digits the app shows, such as 123456."),
        ],
        description="From your authenticator app. A new code appears every 30 seconds.",
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 7},
    )


class OwnersRuleForm(FlaskForm):
    required = HiddenField(validators=[AnyOf(["on", "off"], message="Choose on or off.")])
