"""CSV that spreadsheets open safely: a cell starting like a formula (= + - @, a tab or a carriage
return) gets a leading apostrophe, so it is shown as text rather than run. Every CSV export uses this."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """The header's texts may be lazy translations (gettext_lazy): each is written in the active language."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_safe(str(h)) for h in header])
    for row in rows:
        writer.writerow([spreadsheet_safe("" if value is None else value) for value in row])
    return buffer.getvalue()
