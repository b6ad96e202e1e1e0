"""Hypothesis strategies for NIKs as people type them, and for JSON-like input."""
from __future__ import annotations

from hypothesis import strategies as st

from streams.domain.nik import PROVINCE_CODES, normalize_nik


@st.composite
def niks(draw) -> str:
    """A well-formed NIK: 16 digits."""
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    regency, district = draw(st.integers(1, 99)), draw(st.integers(1, 99))
    day = draw(st.integers(1, 28)) + draw(st.sampled_from((0, 40)))  # women: day + 40
    month, year, serial = draw(st.integers(1, 12)), draw(st.integers(0, 99)), draw(st.integers(1, 9999))
    nik = f"{province:02}{regency:02}{district:02}{day:02}{month:02}{year:02}{serial:04}"
    assert normalize_nik(nik) == nik
    return nik


@st.composite
def typed(draw, nik: str) -> str:
    """`nik` as a person might type it: digit groups joined by the separators people use."""
    cuts = sorted(draw(st.sets(st.integers(1, len(nik) - 1), max_size=5)))
    groups = [nik[start:end] for start, end in zip([0, *cuts], [*cuts, len(nik)])]
    separators = draw(st.lists(st.sampled_from(("", " ", ".", "-", "/", " - ")), min_size=len(groups) - 1, max_size=len(groups) - 1))
    text = groups[0] + "".join(separator + group for separator, group in zip(separators, groups[1:]))
    return draw(st.sampled_from(("", " "))) + text + draw(st.sampled_from(("", " ")))


def json_values(text: st.SearchStrategy[str] | None = None) -> st.SearchStrategy:
    """Anything json.dumps writes: scalars of every type (NaN too), nested lists and objects."""
    text = text if text is not None else st.text(max_size=30)
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | text
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=12)
