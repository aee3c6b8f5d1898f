"""The audit log's search form (GET, so a search is a shareable address and needs no CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from admin_portal.audit.queries import AuditSearch


class AuditSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only search changes nothing

    staff = StringField(
        "Staff email", validators=[Optional(), Length(max=320)], description="Part of an email is enough."
    )
    action = SelectField("Action", choices=[], validate_choice=False, validators=[Optional()])
    object_type = SelectField("Object type", choices=[], validate_choice=False, validators=[Optional()])
    object_id = StringField("Object id", validators=[Optional(), Length(max=64)])
    date_from = DateField("From", validators=[Optional()], description="A UTC date, included.")
    date_to = DateField("To", validators=[Optional()], description="A UTC date, included.")

    def with_choices(self, actions: list[str], object_types: list[str]) -> AuditSearchForm:
        self.action.choices = [SelectChoice("", "Any action"), *(SelectChoice(a, a) for a in actions)]
        self.object_type.choices = [
            SelectChoice("", "Any object"),
            *(SelectChoice(t, t.replace("_", " ")) for t in object_types),
        ]
        return self

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Choose a date on or after the start date.")

    def criteria(self) -> AuditSearch:
        return AuditSearch(
            staff_email=self.staff.data or None,
            action=self.action.data or None,
            object_type=self.object_type.data or None,
            object_id=self.object_id.data or None,
            date_from=self.date_from.data,
            date_to=self.date_to.data,
        )
