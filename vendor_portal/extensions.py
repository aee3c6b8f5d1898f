"""The vendor_portal's extension objects, created once and bound in create_app."""

from flask_login import LoginManager

from common_core.db import make_db

db = make_db()
login_manager = LoginManager()
