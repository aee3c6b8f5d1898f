"""Forms of the customer pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from admin_portal.customers.operations import REASON_MAX, STATUS_LABELS
from admin_portal.products.forms import request_id_field, strip_text


class CustomerSearchForm(FlaskForm):
    """The list's filters (GET, so a search is a shareable address and needs no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=200)], description="Part of an email or a name.")
    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any status"), *(SelectChoice(k, v) for k, v in STATUS_LABELS.items())],
        validators=[Optional()],
    )


class StatusForm(FlaskForm):
    status = HiddenField(validators=[AnyOf(list(STATUS_LABELS), message="Choose suspend or reactivate.")])
    reason = TextAreaField(
        "Reason",
        filters=[strip_text],
        validators=[
            DataRequired("Give the reason; it is kept in the audit log."),
            Length(max=REASON_MAX, message=f"Use at most {REASON_MAX} characters."),
        ],
        description="Kept in the audit log with your name.",
    )
    request_id = request_id_field()
    # Set by the confirmation page: without it the form only asks "are you sure?" (works without JS).
    confirmed = HiddenField()
