"""The dashboard's period form (GET, so a period is a shareable address and needs no CSRF token)."""

from __future__ import annotations

from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional

from admin_portal.dashboard.queries import Period, utc_today

PRESETS = {"today": 1, "7": 7, "30": 30, "90": 90}
DEFAULT = "30"
MAX_DAYS = 366


class HasDefault:
    """Marks a field that always has a value (its default when absent), so it is not labelled optional."""

    field_flags = {"required": True}

    def __call__(self, form: FlaskForm, field: SelectField) -> None:
        return None


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # read-only

    period = SelectField(
        "Period",
        choices=[
            SelectChoice("today", "Today"),
            SelectChoice("7", "Last 7 days"),
            SelectChoice("30", "Last 30 days"),
            SelectChoice("90", "Last 90 days"),
            SelectChoice("custom", "Custom dates"),
        ],
        default=DEFAULT,
        validators=[Optional(), HasDefault()],
    )
    date_from = DateField("From", validators=[Optional()], description="A UTC date, included. For custom dates.")
    date_to = DateField("To", validators=[Optional()], description="A UTC date, included. For custom dates.")

    def validate(self, extra_validators: dict | None = None) -> bool:
        valid = super().validate(extra_validators)
        if self.period.data == "custom":
            # Checked here, not in per-field validators: those are skipped for an empty optional field.
            valid = self._check_custom_dates() and valid
        return valid

    def _check_custom_dates(self) -> bool:
        start, end, today = self.date_from, self.date_to, utc_today()
        if start.errors or end.errors:
            return False
        if start.data is None:
            start.errors = ["Enter the first day of the period."]
        elif start.data > today:
            start.errors = ["Choose a day that is not in the future."]
        if end.data is None:
            end.errors = ["Enter the last day of the period."]
        elif end.data > today:
            end.errors = ["Choose today or an earlier day."]
        elif start.data and end.data < start.data:
            end.errors = ["Choose a day on or after the first day."]
        elif start.data and (end.data - start.data).days + 1 > MAX_DAYS:
            end.errors = [f"Choose at most {MAX_DAYS} days."]
        return not (start.errors or end.errors)

    def chosen(self) -> Period:
        """The period asked for (call after validate())."""
        today = utc_today()
        if self.period.data == "custom":
            return Period(self.date_from.data, self.date_to.data, "custom")
        key = self.period.data if self.period.data in PRESETS else DEFAULT
        return Period(today - timedelta(days=PRESETS[key] - 1), today, key)
