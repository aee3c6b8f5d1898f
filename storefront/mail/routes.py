"""The mail domain has no pages; its blueprint registers the relay chore that sends queued email."""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from common_core.outbox import add_chore
from storefront.mail.operations import send_due

bp = Blueprint("mail", __name__, template_folder="templates")

SEND_EVERY_SECONDS = 5


@bp.record_once
def register_chores(state: BlueprintSetupState) -> None:
    add_chore(state.app, send_due, SEND_EVERY_SECONDS)
