"""Forms of the vendor pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional, StopValidation

from admin_portal.vendors.models import STATUS_LABELS
from admin_portal.vendors.operations import DECISIONS, NEEDS_REASON, REASON_MAX, reason_missing


class ReasonNeededFor:
    """Required for the decisions that must say why (reject, suspend); the field is only shown on those."""

    field_flags = {"required": True}

    def __call__(self, form: DecisionForm, field: TextAreaField) -> None:
        if form.decision.data in NEEDS_REASON and not (field.data or "").strip():
            raise StopValidation(reason_missing(form.decision.data))


class VendorSearchForm(FlaskForm):
    """The list's filters (GET, so a search is a shareable address and needs no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=200)], description="Part of a store name or email.")
    status = SelectField(
        "Status",
        choices=[
            SelectChoice("", "Any status"),
            *(SelectChoice(value, label) for value, label in STATUS_LABELS.items()),
        ],
        validators=[Optional()],
    )


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[AnyOf(list(DECISIONS), message="Choose a decision.")])
    reason = TextAreaField(
        "Reason",
        validators=[ReasonNeededFor(), Length(max=REASON_MAX, message=f"Use at most {REASON_MAX} characters.")],
        description="The vendor is shown this reason.",
    )
    # Where to return after the decision: only the approval queue is offered besides the detail page.
    back = HiddenField(validators=[Optional(), AnyOf(["queue", "detail"])])


class CommissionForm(FlaskForm):
    commission_rate = StringField(
        "Commission rate (%)",
        validators=[InputRequired("Enter the commission rate.")],
        description="Percent of each sale kept by the marketplace, 0 to 100, up to two decimals.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
