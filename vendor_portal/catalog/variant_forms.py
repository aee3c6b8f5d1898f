"""Forms of a product's options and variants (the Options and Variants sections of its page)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from vendor_portal.catalog import variants
from vendor_portal.catalog.forms import (
    STOCK_MAX,
    PriceField,
    WholeNumberField,
    compare_at_rule,
    price_validators,
    sku_rules,
)
from vendor_portal.catalog.models import Product, Variant
from vendor_portal.catalog.variants import MAX_OPTIONS, MAX_VALUES, MAX_VARIANTS, OptionSpec


class OptionRow(Form):
    name = StringField("Name", validators=[Length(max=40, message="Use at most 40 characters.")])
    values = StringField(
        "Values", validators=[Length(max=2000, message="That is too long.")], description="Separated by commas."
    )


class OptionsForm(FlaskForm):
    options = FieldList(FormField(OptionRow), min_entries=MAX_OPTIONS, max_entries=MAX_OPTIONS)

    def validate_options(self, field: FieldList) -> None:
        failed = False
        names: set[str] = set()
        total = 1
        for row in field:
            name = " ".join((row.form.name.data or "").split())
            values = variants.parse_values(row.form.values.data or "")
            problem_name = problem_values = None
            if values and not name:
                problem_name = "Name this option, like Size or Colour."
            elif name and not values:
                problem_values = "Enter its values, separated by commas, like S, M, L."
            elif name.casefold() in names:
                problem_name = "Another option already has this name."
            elif len({v.casefold() for v in values}) != len(values):
                problem_values = "A value is listed twice."
            elif len(values) > MAX_VALUES:
                problem_values = f"Use at most {MAX_VALUES} values."
            elif any(len(v) > 60 for v in values):
                problem_values = "Keep each value to 60 characters or fewer."
            for f, problem in ((row.form.name, problem_name), (row.form.values, problem_values)):
                if problem:
                    f.errors = [*f.errors, problem]
                    failed = True
            if name:
                names.add(name.casefold())
                total *= max(1, len(values))
        if failed:
            raise ValidationError("")
        if total > MAX_VARIANTS:
            self.form_errors.append(f"These options make {total} variants; at most {MAX_VARIANTS} are allowed.")
            raise ValidationError("")

    def specs(self) -> list[OptionSpec]:
        result = []
        for row in self.options:
            name = " ".join((row.form.name.data or "").split())
            if name:
                result.append(OptionSpec(name, variants.parse_values(row.form.values.data or "")))
        return result


def options_form(product: Product, **kwargs: Any) -> OptionsForm:
    rows = [{"name": o.name, "values": ", ".join(o.values)} for o in product.options]
    return OptionsForm(options=rows + [{}] * (MAX_OPTIONS - len(rows)), **kwargs)


class VariantRow(Form):
    variant_id = HiddenField()
    sku = StringField("SKU", render_kw={"autocapitalize": "characters", "spellcheck": "false"})
    price = PriceField(
        "Price", places=2, validators=price_validators(required=True), render_kw={"inputmode": "decimal"}
    )
    compare_at_price = PriceField(
        "Compare-at price", places=2, validators=price_validators(required=False), render_kw={"inputmode": "decimal"}
    )
    is_active = BooleanField("For sale")
    initial_stock = WholeNumberField(
        "Stock on hand",
        message="Enter a whole number of units, like 12.",
        validators=[Optional(), NumberRange(min=0, max=STOCK_MAX, message=f"Enter between 0 and {STOCK_MAX:,} units.")],
        render_kw={"inputmode": "numeric"},
    )

    def validate_sku(self, field: StringField) -> None:
        sku_rules(field, required=True)

    def validate_compare_at_price(self, field: PriceField) -> None:
        compare_at_rule(self.price, field)


class VariantsForm(FlaskForm):
    variants = FieldList(FormField(VariantRow), max_entries=MAX_VARIANTS)

    def rows(self) -> list[Any]:
        """The rows this page rendered (each names its variant); anything else posted is ignored."""
        return [row for row in self.variants if str(row.form.variant_id.data or "").isdigit()]

    def changes(self) -> list[variants.VariantChange]:
        result = []
        for row in self.rows():
            result.append(
                variants.VariantChange(
                    variant_id=int(row.form.variant_id.data),
                    sku=row.form.sku.data or "",
                    price=row.form.price.data,
                    compare_at_price=row.form.compare_at_price.data,
                    is_active=bool(row.form.is_active.data),
                    initial_stock=row.form.initial_stock.data,
                )
            )
        return result

    def attach_row_errors(self, errors: dict[int, dict[str, str]]) -> None:
        """Show refusals from the operation next to their fields (a field with its own error keeps just that)."""
        rows = self.rows()
        for index, fields in errors.items():
            for name, message in fields.items():
                target = getattr(rows[index].form, name)
                if not target.errors:
                    target.errors = [message]


def variants_form(live: list[Variant], **kwargs: Any) -> VariantsForm:
    rows = [
        {
            "variant_id": str(v.id),
            "sku": v.sku,
            "price": v.price,
            "compare_at_price": v.compare_at_price,
            "is_active": v.is_active,
        }
        for v in live
    ]
    return VariantsForm(variants=rows, **kwargs)
