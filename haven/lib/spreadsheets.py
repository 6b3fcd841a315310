"""Tables as CSV or XLSX files for download.

Cells are typed: numbers stay numbers, dates become dates (ISO in CSV), text stays text. Text
that a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return) is written with a leading apostrophe in CSV and as a plain string in XLSX,
so a shelter named ``=HYPERLINK(...)`` cannot run anything on the reader's computer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

import xlsxwriter

Cell = str | int | float | Decimal | date | None

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read Cyrillic right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_text(column) for column in columns])
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheet: str, columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """One worksheet named ``sheet`` (31 characters at most), a bold header row."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for col, column in enumerate(columns):
        worksheet.write_string(0, col, column, bold)
    for row_index, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                worksheet.write_string(row_index, col, value)
            elif isinstance(value, date):
                worksheet.write_datetime(row_index, col, value, day)
            else:
                worksheet.write_number(row_index, col, float(value))
    worksheet.freeze_panes(1, 0)
    workbook.close()
    return out.getvalue()
