"""The review form on the product page."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

BODY_MIN, BODY_MAX = 10, 2000
RATINGS = [
    SelectChoice(1, "1 star: poor"),
    SelectChoice(2, "2 stars: fair"),
    SelectChoice(3, "3 stars: good"),
    SelectChoice(4, "4 stars: very good"),
    SelectChoice(5, "5 stars: excellent"),
]


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class ReviewForm(FlaskForm):
    rating = RadioField(
        "Your rating", choices=RATINGS, coerce=int, validators=[InputRequired("Choose a rating from 1 to 5 stars.")]
    )
    body = TextAreaField(
        "Your review",
        filters=[_strip],
        validators=[
            InputRequired("Write a few words about the product."),
            Length(
                min=BODY_MIN,
                max=BODY_MAX,
                message=f"Write between {BODY_MIN} and {BODY_MAX} characters (%(length)d now).",
            ),
        ],
        description="What did you like, or not? 10 to 2,000 characters, shown with your first name and initial.",
        render_kw={"rows": 6, "maxlength": BODY_MAX},
    )
