"""Forms of the product pages: details, images and the product list's filters (options and variants are in
variant_forms.py), with the fields they share."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from common_core.db import MAX_DB_INT
from common_core.errors import FieldError
from vendor_portal.catalog import variants
from vendor_portal.catalog.models import CURRENCIES, PRODUCT_STATUSES, Product
from vendor_portal.catalog.queries import category_by_id, category_choices
from vendor_portal.catalog.variants import COMPARE_AT_RULE

PRICE_MAX = Decimal("9999999999.99")  # what Numeric(12, 2) holds
NOT_A_NUMBER = "Enter the price as a number, like 12.50."
ATTRIBUTE_ROWS_BLANK = 5
STOCK_MAX = 1_000_000
ACCEPT_IMAGES = "image/jpeg,image/png,image/webp"


class PriceField(DecimalField):
    """A decimal amount whose parse error tells the vendor what to type (WTForms' own is "Not a valid decimal")."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        raw = str(valuelist[0]).strip() if valuelist else ""
        if not raw:
            return
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        # "NaN" and "Infinity" parse as Decimals but are no price.
        if value is None or not value.is_finite():
            raise ValueError(NOT_A_NUMBER)
        self.data = value

    def pre_validate(self, form: Form) -> None:
        if self.process_errors:
            raise StopValidation()  # the parse error says it all; range checks on nothing would only add noise


class WholeNumberField(IntegerField):
    """A whole number; blank is None, anything else that is not a whole number gets `message`."""

    def __init__(self, label: str, *, message: str, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.message = message

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = str(valuelist[0]).strip() if valuelist else ""
        if not valuelist:
            return
        self.data = None
        if not raw:
            return
        if not raw.lstrip("-").isdigit() or len(raw) > 12:
            raise ValueError(self.message)
        self.data = int(raw)

    def pre_validate(self, form: Form) -> None:
        if self.process_errors:
            raise StopValidation()


def at_most_two_places(form: Form, field: PriceField) -> None:
    if field.data is not None and field.data.as_tuple().exponent < -2:
        raise ValidationError("Use at most two decimal places, like 12.50.")


def price_validators(required: bool) -> list[Any]:
    first = InputRequired("Enter a price.") if required else Optional()
    return [
        first,
        NumberRange(min=0, message="The price cannot be negative."),
        NumberRange(max=PRICE_MAX, message="The price is too large."),
        at_most_two_places,
    ]


def sent_not_blank(message: str) -> Any:
    """Refuse a field sent empty; one not sent at all keeps its default."""

    def check(form: Form, field: Any) -> None:
        if field.raw_data and not str(field.raw_data[0]).strip():
            raise StopValidation(message)

    return check


def _category_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    number = int(value)
    if not 0 < number <= MAX_DB_INT:
        raise ValueError("not a category id")  # SelectField reports "Choose a category from the list."
    return number


def sku_rules(field: StringField, *, required: bool) -> None:
    if not (field.data or "").strip():
        if required:
            raise ValidationError("Enter a SKU.")
        return
    try:
        field.data = variants.clean_sku(field.data)
    except FieldError as exc:
        raise ValidationError(exc.message) from None


def compare_at_rule(price: PriceField, compare_at: PriceField) -> None:
    if compare_at.data is not None and price.data is not None and compare_at.data <= price.data:
        raise ValidationError(COMPARE_AT_RULE)


# ---- product details ----------------------------------------------------------------------------


class AttributeRow(Form):
    name = StringField("Name", validators=[Length(max=60, message="Use at most 60 characters.")])
    value = StringField("Value", validators=[Length(max=200, message="Use at most 200 characters.")])

    def validate_name(self, field: StringField) -> None:
        if (self.value.data or "").strip() and not (field.data or "").strip():
            raise ValidationError("Name this attribute, like Material.")

    def validate_value(self, field: StringField) -> None:
        if (self.name.data or "").strip() and not (field.data or "").strip():
            raise ValidationError(f"Enter the {self.name.data.strip()}.")


class ProductForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[InputRequired("Enter a title."), Length(max=200, message="Use at most 200 characters.")],
        description='What shoppers see first, such as "Walnut headphone stand".',
    )
    description = TextAreaField(
        "Description",
        validators=[Length(max=20000, message="Use at most 20,000 characters.")],
        description="Materials, sizes, what is in the box. Plain text, or simple markup: "
        "<p>, <strong>, <em>, <ul>/<ol>/<li>, <h3>, <a href>. Anything else is removed.",
    )
    category_id = SelectField(
        "Category",
        coerce=_category_id,
        choices=[SelectChoice("", "No category")],
        invalid_value_message="Choose a category from the list.",
        invalid_choice_message="Choose a category from the list.",
        description="Where shoppers find it in the shop.",
    )
    brand = StringField("Brand", validators=[Length(max=80, message="Use at most 80 characters.")])
    currency = SelectField(
        "Currency",
        choices=[SelectChoice(code) for code in CURRENCIES],
        default="EUR",
        validators=[InputRequired("Choose a currency.")],
    )
    weight_grams = WholeNumberField(
        "Shipping weight (grams)",
        message="Enter the weight in whole grams, like 450.",
        validators=[Optional(), NumberRange(min=0, max=1_000_000, message="Enter a weight from 0 to 1,000,000 grams.")],
        render_kw={"inputmode": "numeric", "class": "input-short"},
    )
    low_stock_threshold = WholeNumberField(
        "Low-stock warning at",
        message="Enter a number of units, like 5.",
        default=5,
        validators=[
            sent_not_blank("Enter a number of units, like 5."),
            NumberRange(min=0, max=STOCK_MAX, message="Enter a number of units from 0 up."),
        ],
        description="A variant with this many units or fewer is flagged as low on stock.",
        render_kw={"inputmode": "numeric", "class": "input-short"},
    )
    attributes = FieldList(FormField(AttributeRow), min_entries=ATTRIBUTE_ROWS_BLANK, max_entries=40)
    # The default variant, for products without options.
    sku = StringField(
        "SKU",
        description="Your stock-keeping code, unique in your store. Leave blank and we will make one up.",
        render_kw={"class": "input-short", "autocapitalize": "characters", "spellcheck": "false"},
    )
    price = PriceField(
        "Price",
        places=2,
        validators=price_validators(required=True),
        description="Including tax, like 12.50.",
        render_kw={"inputmode": "decimal", "class": "input-short"},
    )
    compare_at_price = PriceField(
        "Compare-at price",
        places=2,
        validators=price_validators(required=False),
        description="The usual price, shown struck through while you sell for less. Must be above the price.",
        render_kw={"inputmode": "decimal", "class": "input-short"},
    )
    initial_stock = WholeNumberField(
        "Stock on hand",
        message="Enter a whole number of units, like 12.",
        default=0,
        validators=[Optional(), NumberRange(min=0, max=STOCK_MAX, message=f"Enter between 0 and {STOCK_MAX:,} units.")],
        description="Units you have now. Later changes are made on the Inventory page.",
        render_kw={"inputmode": "numeric", "class": "input-short"},
    )

    def __init__(self, *args: Any, editing: bool = False, has_options: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.low_stock_threshold.flags.required = True  # never blank once sent; a missing one keeps the default
        self.editing = editing
        if editing:
            del self.initial_stock  # stock of an existing product moves on the Inventory page
            self.sku.description = "Your stock-keeping code, unique in your store."
        if has_options:
            for name in ("sku", "price", "compare_at_price"):
                delattr(self, name)  # each variant has its own, in the variants table

    def pad_attributes(self) -> None:
        """Leave blank rows to type new attributes into (no JavaScript needed to add one)."""
        blanks = sum(1 for row in self.attributes if not (row.form.name.data or row.form.value.data))
        for _ in range(max(0, ATTRIBUTE_ROWS_BLANK - blanks)):
            self.attributes.append_entry()

    def validate_title(self, field: StringField) -> None:
        if field.data is not None and not field.data.strip():
            raise ValidationError("Enter a title.")

    def validate_sku(self, field: StringField) -> None:
        sku_rules(field, required=self.editing)

    def validate_compare_at_price(self, field: PriceField) -> None:
        compare_at_rule(self.price, field)

    def validate_attributes(self, field: FieldList) -> None:
        seen: set[str] = set()
        for row in field:
            name = " ".join((row.form.name.data or "").split()).casefold()
            if name and name in seen:
                row.form.name.errors = [*row.form.name.errors, "This attribute is already listed above."]
                raise ValidationError("")
            seen.add(name)

    def details(self) -> dict[str, Any]:
        """The operation's keyword arguments."""
        values: dict[str, Any] = {
            "title": self.title.data,
            "description": self.description.data or "",
            "currency": self.currency.data,
            "brand": self.brand.data,
            "category_id": self.category_id.data,
            "weight_grams": self.weight_grams.data,
            "attributes": [(row.form.name.data, row.form.value.data) for row in self.attributes],
            "low_stock_threshold": self.low_stock_threshold.data if self.low_stock_threshold.data is not None else 5,
        }
        if "price" in self:
            values.update(
                price=self.price.data,
                sku=(self.sku.data or "").strip() or None,
                compare_at_price=self.compare_at_price.data,
            )
        if "initial_stock" in self:
            values["initial_stock"] = self.initial_stock.data or 0
        return values


def unposted() -> dict[str, Any]:
    """Keyword arguments for a form shown beside the one posted: it must not read that post's fields."""
    return {"formdata": None}


def product_form(product: Product | None, *, posted: bool = True) -> ProductForm:
    """The details form of a new product (None) or of an existing one, filled from it until posted."""
    extra = {} if posted else unposted()
    if product is None:
        form = ProductForm(**extra)
    else:
        default = variants.default_variant(product) if not product.options else None
        prefill: dict[str, Any] = {
            name: getattr(product, name)
            for name in ("title", "description", "category_id", "brand", "currency", "weight_grams")
        }
        prefill.update(
            low_stock_threshold=product.low_stock_threshold,
            attributes=[{"name": k, "value": v} for k, v in (product.attributes or {}).items()],
        )
        if default is not None:
            prefill.update(sku=default.sku, price=default.price, compare_at_price=default.compare_at_price)
        # Filled from a dict rather than obj=product: the attributes dict would not fill the rows.
        form = ProductForm(editing=True, has_options=bool(product.options), **prefill, **extra)
    form.category_id.choices = category_choices()
    offered = {choice.value for choice in form.category_id.choices}
    if product is not None and product.category_id is not None and str(product.category_id) not in offered:
        retired = category_by_id(product.category_id)
        name = retired.name if retired else f"category {product.category_id}"
        form.category_id.description = f"Its category, {name}, was retired by the marketplace: choose another."
    return form


# ---- images -------------------------------------------------------------------------------------


class ImageUploadForm(FlaskForm):
    images = MultipleFileField(
        "Add images",
        description="JPEG, PNG or WebP, up to 8 MB each. You can choose several at once.",
        validators=[InputRequired("Choose one or more images to upload.")],
        render_kw={"accept": ACCEPT_IMAGES},
    )


# ---- the product list ---------------------------------------------------------------------------


class ProductFilterForm(Form):
    """The list's search and filters, read from the query string (a GET form: no CSRF token needed)."""

    q = SearchField("Search by title or SKU", validators=[Length(max=100)])
    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any status")] + [SelectChoice(s, s.capitalize()) for s in PRODUCT_STATUSES],
        validate_choice=False,
    )
    category = SelectField("Category", coerce=_category_id, validate_choice=False)
