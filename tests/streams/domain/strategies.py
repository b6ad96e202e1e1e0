"""Hypothesis strategies for NIKs as people type them, and for JSON-like input."""

from __future__ import annotations

import calendar

from hypothesis import strategies as st

from streams.domain.nik import PROVINCE_CODES


@st.composite
def niks(draw) -> str:
    """A well-formed NIK: 16 digits."""
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    regency, district = draw(st.integers(1, 99)), draw(st.integers(1, 99))
    month, year = draw(st.integers(1, 12)), draw(st.integers(0, 99))
    day = draw(st.integers(1, calendar.monthrange(2001, month)[1]))
    day += draw(st.sampled_from([0, 40]))  # women: day + 40
    serial = draw(st.integers(1, 9999))
    return f"{province:02d}{regency:02d}{district:02d}{day:02d}{month:02d}{year:02d}{serial:04d}"


@st.composite
def formatted(draw, nik: str) -> str:
    """The NIK as people type it: digit groups with separators between some of them."""
    cuts = sorted(draw(st.sets(st.integers(1, 15), max_size=6)))
    pieces = [nik[a:b] for a, b in zip([0, *cuts], [*cuts, 16])]
    out = pieces[0]
    for piece in pieces[1:]:
        out += draw(st.sampled_from([".", " ", "-", "_", "/", " - "])) + piece
    return out


def json_values(text: st.SearchStrategy[str] | None = None) -> st.SearchStrategy:
    """Anything json.dumps writes: scalars of every type (NaN too), nested lists and objects."""
    text = text if text is not None else st.text(max_size=30)
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | text
    return st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=12
    )
