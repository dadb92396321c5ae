"""CSV exports that a spreadsheet cannot be tricked by."""

from __future__ import annotations

from collections.abc import Iterable

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets
# (=HYPERLINK(...), +cmd|..., @SUM, and tab or CR tricks).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """Neutralise text that a spreadsheet would evaluate, by prefixing an apostrophe.

    Numbers pass unchanged (a negative amount stays a number); only text is checked.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_safe_row(row: Iterable) -> list:
    return [csv_safe(value) for value in row]
