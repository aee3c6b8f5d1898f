"""Forms of the cart: add from the product page, change a line's quantity."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from storefront.cart.queries import MAX_QUANTITY


class AddToCartForm(FlaskForm):
    variant_id = IntegerField(
        validators=[InputRequired("Choose a variant.")], invalid_value_message="Choose a variant."
    )
    quantity = IntegerField(
        "Quantity",
        default=1,
        invalid_value_message="Enter a whole number, like 2.",
        validators=[
            InputRequired("Enter a quantity."),
            NumberRange(1, MAX_QUANTITY, f"Enter a quantity from 1 to {MAX_QUANTITY}."),
        ],
    )


class QuantityForm(FlaskForm):
    quantity = IntegerField(
        "Quantity",
        invalid_value_message="Enter a whole number, like 2.",
        validators=[
            InputRequired("Enter a quantity, or 0 to remove the item."),
            NumberRange(0, MAX_QUANTITY, f"Enter a quantity from 0 to {MAX_QUANTITY}."),
        ],
    )
