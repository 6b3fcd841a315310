"""CSV and XLSX files: typed cells, Cyrillic intact, nothing a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from decimal import Decimal

from haven.lib.spreadsheets import Cell, csv_bytes, xlsx_bytes

COLUMNS = ("Шелтер", "beds", "week", "share")
ROWS: list[tuple[Cell, ...]] = [
    ('=HYPERLINK("http://x")', 14, date(2026, 11, 2), 12.5),
    ("Дом в Алматы", 6, None, Decimal("700000.00")),
    ("-1+1", 0, date(2026, 11, 9), None),
]


def test_csv_keeps_cyrillic_and_defuses_formulas() -> None:
    data = csv_bytes(COLUMNS, ROWS)
    assert data.startswith(b"\xef\xbb\xbf")  # a byte-order mark: spreadsheets read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(COLUMNS)
    assert rows[1] == ['\'=HYPERLINK("http://x")', "14", "2026-11-02", "12.5"]
    assert rows[2] == ["Дом в Алматы", "6", "", "700000.00"]
    assert rows[3][0] == "'-1+1"


def _sheet(data: bytes) -> tuple[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        strings = (
            archive.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in names else ""
        )
    return sheet, strings


def test_xlsx_writes_text_as_text_and_numbers_as_numbers() -> None:
    sheet, strings = _sheet(xlsx_bytes("occupancy", COLUMNS, ROWS))
    assert "<f>" not in sheet  # no formula anywhere
    assert "=HYPERLINK" in strings
    assert "Дом в Алматы" in strings
    assert re.search(r'<c r="B2"[^>]*><v>14</v></c>', sheet)
    assert re.search(r'<c r="D3"[^>]*><v>700000</v></c>', sheet)
    # Dates are numbers with a date format (days since 1900), not text.
    assert re.search(r'<c r="C2" s="\d+"><v>46328</v></c>', sheet)
