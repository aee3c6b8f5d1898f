"""Forms of the category pages."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from admin_portal.categories.models import NAME_MAX, SLUG_MAX, Category

TOP_LEVEL = ""
SLUG_HELP = "Used in shop addresses. Lower-case letters, digits and hyphens."


def _name_field() -> StringField:
    return StringField(
        "Name",
        validators=[
            InputRequired("Enter the category's name."),
            Length(max=NAME_MAX, message=f"Use at most {NAME_MAX} characters."),
        ],
        render_kw={"autocomplete": "off"},
    )


def _parent_field() -> SelectField:
    # The operation, not the choice list, decides what is a valid parent: a stale page or a crafted
    # post then gets a message saying why (e.g. a third level), not WTForms' "Not a valid choice".
    return SelectField(
        "Parent category",
        choices=[],
        validate_choice=False,
        validators=[Optional(), Regexp(r"^\d*$", message="Choose a category from the list.")],
        description="Leave as “None” for a top-level category. Only top-level categories can have subcategories.",
    )


class ParentChoices:
    def set_parents(self, parents: Iterable[Category]) -> None:
        self.parent.choices = [
            SelectChoice(TOP_LEVEL, "None (top level)"),
            *(SelectChoice(str(c.id), c.name) for c in parents),
        ]

    @property
    def parent_id(self) -> int | None:
        value = self.parent.data or TOP_LEVEL
        return int(value) if value != TOP_LEVEL else None


class CategoryCreateForm(ParentChoices, FlaskForm):
    name = _name_field()
    parent = _parent_field()
    slug = StringField(
        "Address (slug)",
        validators=[Optional(), Length(max=SLUG_MAX, message=f"Use at most {SLUG_MAX} characters.")],
        description=f"{SLUG_HELP} Leave empty to make one from the name.",
        render_kw={"autocomplete": "off"},
    )


class CategoryRenameForm(FlaskForm):
    name = _name_field()
    slug = StringField(
        "Address (slug)",
        validators=[
            InputRequired("Enter the address."),
            Length(max=SLUG_MAX, message=f"Use at most {SLUG_MAX} characters."),
        ],
        description=f"{SLUG_HELP} Changing it breaks links to the old address.",
        render_kw={"autocomplete": "off"},
    )


class CategoryMoveForm(ParentChoices, FlaskForm):
    parent = _parent_field()
