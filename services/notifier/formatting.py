"""Numbers, money, percentages and dates written the way each language writes them."""

from __future__ import annotations

from datetime import date

LANGUAGES = ("id", "en")

MONTHS = {  # the month names of each language: the mails, the report and its title
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
# thousands separator, decimal separator
_SEPARATORS = {"id": (".", ","), "en": (",", ".")}


def number(value: float, language: str, decimals: int = 0) -> str:
    """1234567.8 -> "1.234.567,8" (id) or "1,234,567.8" (en)."""
    thousands, decimal = _SEPARATORS[language]
    text = f"{abs(value):,.{decimals}f}"
    text = text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)
    negative = value < 0 and float(text.replace(thousands, "").replace(decimal, ".")) != 0
    return ("-" if negative else "") + text


def rupiah(amount: int | float) -> str:
    """Rupiah the Indonesian way in every language: 10080000 -> "Rp 10.080.000"."""
    return f"Rp {number(round(amount), 'id')}"


def percent(ratio: float, language: str, decimals: int = 1) -> str:
    """A ratio as a percentage: 0.3539 -> "35,4%" (id) or "35.4%" (en)."""
    return f"{number(ratio * 100, language, decimals)}%"


def points(pp: float, language: str, decimals: int = 1) -> str:
    """Percentage points: 3.25 -> "3,3 poin persentase" (id) or "3.3 percentage points" (en)."""
    unit = "poin persentase" if language == "id" else "percentage points"
    return f"{number(pp, language, decimals)} {unit}"


def long_date(day: date, language: str) -> str:
    """31 Desember 2025 (id) or 31 December 2025 (en)."""
    return f"{day.day} {MONTHS[language][day.month - 1]} {day.year}"
