"""The pure part of sources: what a name may be, what a key looks like, what is stored of it."""

from __future__ import annotations

import hashlib
import re
import string
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registry.sources import (
    KEY_PREFIX,
    LAST_EVENT_METRIC,
    Source,
    key_hash,
    last_events,
    new_key,
    source_name_problem,
)
from streams.domain.nik import contains_nik
from streams.domain.validation import MAX_SOURCE_LENGTH as MAX_NAME

NAME_CHARS = string.ascii_letters + string.digits + "._-"
valid_names = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(string.ascii_letters + string.digits),
    st.text(NAME_CHARS, max_size=MAX_NAME - 1),
).filter(lambda name: not contains_nik(name) and name.lower() != "other")  # `other` is taken


@given(valid_names)
def test_names_of_the_allowed_characters_are_accepted(name: str) -> None:
    assert source_name_problem(name) is None


@given(valid_names, st.characters(blacklist_characters=NAME_CHARS), st.data())
def test_any_other_character_is_refused(name: str, other: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(name)))
    assert source_name_problem(name[:at] + other + name[at:]) is not None


@given(st.text())
def test_a_problem_is_one_sentence_that_never_repeats_a_nik(name: str) -> None:
    problem = source_name_problem(name)
    if problem is not None:
        assert "\n" not in problem and problem == problem.strip()
        assert not contains_nik(problem)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (
            "",
            "a source name is 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit, got ''",
        ),
        ("-desa", "starting with a letter or digit, got '-desa'"),
        (".desa", "starting with a letter or digit"),
        ("desa sungai raya", "got 'desa sungai raya'"),
        ("desa/61", "got 'desa/61'"),
        ("désa", "got 'désa'"),
        ("desa\n", "got 'desa\\n'"),
        ("a" * (MAX_NAME + 1), "1 to 64 letters"),
        ("desa-6171014101900001", "a source name must not hold a NIK-shaped number, since every event carries it"),
        ("61.71.01.410190.0001", "must not hold a NIK-shaped number"),
        ("nik 6171014101900001", "got 'nik ****************'"),  # the refusal does not repeat the NIK
        ("other", "the name 'other' is taken: the workers count the events of every unregistered source under it"),
        ("Other", "the name 'other' is taken"),
    ],
)
def test_bad_names_are_refused_in_plain_words(name: str, problem: str) -> None:
    assert problem in (source_name_problem(name) or "")


def test_a_name_of_the_longest_length_is_accepted() -> None:
    assert source_name_problem("a" * MAX_NAME) is None
    assert source_name_problem("disnaker-61.07_bengkayang") is None


def test_keys_are_prefixed_random_and_header_safe() -> None:
    keys = {new_key() for _ in range(1000)}
    assert len(keys) == 1000
    for key in keys:
        assert re.fullmatch(rf"{KEY_PREFIX}[A-Za-z0-9_-]{{43}}", key)  # 32 random bytes, base64url


@given(st.text())
def test_the_hash_is_the_sha256_of_the_key_in_hex(key: str) -> None:
    digest = key_hash(key)
    assert digest == hashlib.sha256(key.encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)


def test_the_hash_of_a_real_key_does_not_hold_it() -> None:
    key = new_key()
    assert key not in key_hash(key) and key[len(KEY_PREFIX) :] not in key_hash(key)


def test_a_source_is_active_until_revoked() -> None:
    moment = datetime(2025, 1, 3, tzinfo=timezone.utc)
    source = Source("desa-sungai-raya", ("61.07.01.2001",), moment, moment, None)
    assert source.active
    assert not Source("desa-sungai-raya", ("61.07.01.2001",), moment, moment, moment).active


def metrics_text(last: dict[str, float]) -> str:
    lines = [f"# TYPE {LAST_EVENT_METRIC} gauge"] + [
        f'{LAST_EVENT_METRIC}{{source="{s}"}} {t!r}' for s, t in last.items()
    ]
    return (
        "\n".join(
            ["# TYPE ucj_events_total counter", 'ucj_events_total{type="enrollment",outcome="applied"} 7.0', *lines]
        )
        + "\n"
    )


timestamps = st.floats(0, 4e9, allow_nan=False)
workers = st.lists(st.dictionaries(st.sampled_from(["desa-a", "desa-b", "disnaker", "other"]), timestamps), max_size=4)


@given(workers)
def test_the_last_event_of_a_source_is_the_newest_over_the_workers(views: list[dict[str, float]]) -> None:
    got = last_events(metrics_text(view) for view in views)
    sources = {s for view in views for s in view} - {"other"}  # `other` is not a source
    assert got == {s: max(view[s] for view in views if s in view) for s in sources}


def test_a_worker_without_source_metrics_adds_nothing() -> None:
    assert last_events([metrics_text({}), ""]) == {}
