"""CSV as people make it, shared by every reader of CSV (pure, no I/O).

Spreadsheets in an Indonesian locale export with semicolons (the comma is the decimal
separator there); others export with commas. Both readers of operators' CSV, the gateway's
/v1/events/csv and the registry's loaders, decide the delimiter here, the same way.
"""

from __future__ import annotations

DELIMITERS = (",", ";")
DELIMITER_NAMES = {",": "comma", ";": "semicolon"}


def sniff_delimiter(text: str) -> str:
    """Semicolon when the header line has more semicolons than commas (Indonesian-locale
    Excel), else comma."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","
