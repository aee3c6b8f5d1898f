"""The upload form of the import page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from vendor_portal.imports.csvfile import MAX_BYTES


class UploadForm(FlaskForm):
    # The file's content is checked by operations.create_job (csvfile.read_upload), which explains exactly
    # what is wrong with it; the form only makes sure a file was chosen.
    file = FileField(
        "CSV file",
        description=f"Comma separated, UTF-8, with the template's header row; up to {MAX_BYTES // (1024 * 1024)} MB.",
        validators=[FileRequired("Choose a CSV file to upload.")],
        render_kw={"accept": ".csv,text/csv"},
    )
