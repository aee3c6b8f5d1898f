"""The import CSV as a file: its columns, checking an upload, reading records with their line numbers, and
writing the template and the rejected-rows file. No database here, so every rule is easy to test."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from common_core.errors import FieldError

MAX_BYTES = 5 * 1024 * 1024
FIELD = "file"  # the upload form's field, where refusals are shown

COLUMNS: tuple[str, ...] = (
    "handle",
    "title",
    "description",
    "brand",
    "category",
    "currency",
    "weight_grams",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "option3_name",
    "option3_value",
    "sku",
    "price",
    "compare_at_price",
    "stock",
    "status",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("handle", "title", "sku", "price")
REASON_COLUMN = "reason"

TEMPLATE_ROWS: tuple[dict[str, str], ...] = (
    {
        "handle": "walnut-stand",
        "title": "Walnut headphone stand",
        "description": "Solid walnut, oiled by hand.",
        "brand": "Acme",
        "currency": "EUR",
        "weight_grams": "450",
        "sku": "WS-001",
        "price": "39.00",
        "stock": "12",
        "status": "draft",
    },
    {
        "handle": "linen-shirt",
        "title": "Linen shirt",
        "description": "Breathable linen, cut loose.",
        "brand": "Acme",
        "currency": "EUR",
        "weight_grams": "300",
        "option1_name": "Size",
        "option1_value": "M",
        "sku": "LS-M",
        "price": "49.00",
        "compare_at_price": "59.00",
        "stock": "5",
        "status": "draft",
    },
    {
        # Later rows of a handle only need what differs: the variant's options, SKU, price and stock.
        "handle": "linen-shirt",
        "option1_name": "Size",
        "option1_value": "L",
        "sku": "LS-L",
        "price": "49.00",
        "compare_at_price": "59.00",
        "stock": "3",
    },
)

# Cells a spreadsheet would run as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SEPARATORS = {";": "semicolons (;)", "\t": "tabs"}


@dataclass(frozen=True)
class Record:
    """One data row: the line it starts on (the header is line 1) and its cells by known column name."""

    line: int
    values: dict[str, str]
    extra_cells: bool = False  # more cells than the header has columns

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass(frozen=True)
class Upload:
    """An accepted upload: its text (BOM removed) and how many data rows it has."""

    filename: str
    text: str
    total_rows: int


def read_upload(stream: IO[bytes], filename: str) -> Upload:
    """Check an uploaded file is a CSV the import can read; FieldError on "file" says what is wrong."""
    name = display_name(filename)
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise FieldError(FIELD, f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files.")
    if not name.lower().endswith(".csv"):
        raise FieldError(FIELD, f"{name} is not a CSV file. Upload a .csv file (in a spreadsheet: Save as CSV UTF-8).")
    try:
        # utf-8-sig drops the byte order mark Excel puts at the start of "CSV UTF-8" files.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FieldError(
            FIELD, f"{name} is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” and upload it again."
        ) from None
    if not text.strip():
        raise FieldError(FIELD, f"{name} is empty. Upload a CSV file with a header row and at least one product.")
    if "\x00" in text:
        raise FieldError(FIELD, f"{name} is not a CSV file: it contains binary data.")
    header = _header(text)
    if not header:
        raise FieldError(FIELD, f"{name} has no header row. The first line must name the columns, like the template.")
    if len(header) == 1:
        for separator, label in _SEPARATORS.items():
            if separator in header[0]:
                raise FieldError(FIELD, f"{name} separates its columns with {label}; save it comma separated.")
    names = [normalise(column) for column in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        raise FieldError(FIELD, f"The header row is missing {_plural(missing, 'column')}: {', '.join(missing)}.")
    repeated = sorted({column for column in names if column in COLUMNS and names.count(column) > 1})
    if repeated:
        raise FieldError(FIELD, f"The header row names {_plural(repeated, 'column')} twice: {', '.join(repeated)}.")
    try:
        total = sum(1 for _ in records(text))
    except csv.Error as exc:
        raise FieldError(FIELD, f"{name} could not be read as CSV ({exc}). Check its quotes.") from None
    if not total:
        raise FieldError(FIELD, f"{name} has a header row but no products under it.")
    return Upload(name, text, total)


def normalise(column: str) -> str:
    """A header cell as a column name: "Option1 Name " -> "option1_name"."""
    return "_".join(column.strip().lower().split())


def header(text: str) -> list[str]:
    """The header row as written in the file."""
    return _header(text)


def records(text: str) -> Iterator[Record]:
    """The data rows, skipping blank lines, each with the line it starts on as a spreadsheet counts them."""
    reader = csv.reader(io.StringIO(text, newline=""))
    names = [normalise(column) for column in next(reader, [])]
    last_line = reader.line_num
    for cells in reader:
        start, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        values = {name: unescape_formula(cell) for name, cell in zip(names, cells, strict=False) if name in COLUMNS}
        yield Record(start, values, extra_cells=len(cells) > len(names))


def raw_rows(text: str, lines: set[int]) -> Iterator[tuple[int, list[str]]]:
    """The cells, exactly as written, of the data rows starting on `lines`."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    last_line = reader.line_num
    for cells in reader:
        start, last_line = last_line + 1, reader.line_num
        if start in lines:
            yield start, cells


def template_csv() -> str:
    """The downloadable template: every column, a product without options and one with two sizes."""
    return _write([list(COLUMNS), *([row.get(column, "") for column in COLUMNS] for row in TEMPLATE_ROWS)])


def rejected_csv(header_row: Sequence[str], rows: Iterable[tuple[list[str], str]]) -> str:
    """The rejected rows as the vendor wrote them plus a reason column, ready to fix and upload again.

    Cells are made safe to open in a spreadsheet: one that would run as a formula gets a leading quote.
    """
    # A file that is itself a fixed rejected-rows file has a reason column already: replaced, not repeated.
    keep = [index for index, name in enumerate(header_row) if normalise(name) != REASON_COLUMN]
    out = [[*(header_row[index] for index in keep), REASON_COLUMN]]
    for cells, reason in rows:
        kept = [cells[index] if index < len(cells) else "" for index in keep]
        out.append([escape_formula(cell) for cell in [*kept, reason]])
    return _write(out)


def escape_formula(cell: str) -> str:
    return f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell


def unescape_formula(cell: str) -> str:
    """Undo escape_formula, so a fixed rejected-rows file imports its cells as they were first written."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS) else cell


def display_name(filename: str | None) -> str:
    """A file name fit to show back: its last path part, printable, at most 200 characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "The file"


def _header(text: str) -> list[str]:
    try:
        row = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        return []
    return row if any(cell.strip() for cell in row) else []


def _write(rows: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    # CRLF and a BOM: what spreadsheets expect, and what the import reads back.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


def _plural(items: Sequence[str], word: str) -> str:
    return f"{'this' if len(items) == 1 else 'these'} {word}{'' if len(items) == 1 else 's'}"
