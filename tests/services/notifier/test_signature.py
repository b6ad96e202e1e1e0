"""X-UCJ-Signature: a signature verifies; any change to body, time or secret, or a stale time, does not."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from services.notifier.signature import SignatureError, parse, sign, verify

secrets_ = st.text(min_size=1, max_size=60)
bodies = st.binary(max_size=2000)
times = st.integers(min_value=0, max_value=2**33)
within = st.integers(min_value=-300, max_value=300)


@given(secret=secrets_, body=bodies, t=times, skew=within)
def test_a_signature_verifies_within_the_tolerance(secret, body, t, skew):
    assert verify(secret, body, sign(secret, body, t), now=t + skew) == t


@given(secret=secrets_, body=bodies.filter(bool), t=times, data=st.data())
def test_any_altered_body_byte_fails(secret, body, t, data):
    header = sign(secret, body, t)
    index = data.draw(st.integers(0, len(body) - 1), label="index")
    flip = data.draw(st.integers(1, 255), label="xor")
    altered = body[:index] + bytes([body[index] ^ flip]) + body[index + 1 :]
    with pytest.raises(SignatureError, match="does not match"):
        verify(secret, altered, header, now=t)


@given(secret=secrets_, body=bodies, extra=st.binary(min_size=1, max_size=20), t=times)
def test_a_longer_or_shorter_body_fails(secret, body, extra, t):
    with pytest.raises(SignatureError):
        verify(secret, body + extra, sign(secret, body, t), now=t)
    with pytest.raises(SignatureError):
        verify(secret, body, sign(secret, body + extra, t), now=t)


@given(secret=secrets_, body=bodies, t=times, other=times)
def test_an_altered_timestamp_fails(secret, body, t, other):
    assume(other != t)
    _, v1 = sign(secret, body, t).split(",")
    with pytest.raises(SignatureError):
        verify(secret, body, f"t={other},{v1}", now=other)  # "now" fits the forged time: only the MAC can tell


@given(secret=secrets_, wrong=secrets_, body=bodies, t=times)
def test_a_wrong_secret_fails(secret, wrong, body, t):
    assume(wrong != secret)
    with pytest.raises(SignatureError, match="does not match"):
        verify(wrong, body, sign(secret, body, t), now=t)


@given(secret=secrets_, body=bodies, t=times, late=st.integers(min_value=301, max_value=10**9))
def test_a_stale_or_future_timestamp_fails(secret, body, t, late):
    header = sign(secret, body, t)
    with pytest.raises(SignatureError, match="from now, more than the 300 s allowed"):
        verify(secret, body, header, now=t + late)
    with pytest.raises(SignatureError, match="more than the 300 s allowed"):
        verify(secret, body, header, now=t - late)


def test_the_header_is_stripes_scheme_over_t_dot_body():
    header = sign("ucjw_secret", b'{"a": 1}', 1767225600)
    expected = hmac.new(b"ucjw_secret", b'1767225600.{"a": 1}', hashlib.sha256).hexdigest()
    assert header == f"t=1767225600,v1={expected}"


def test_any_one_of_several_v1_values_may_match():
    header = sign("new", b"body", 100)
    old = sign("old", b"body", 100).split(",")[1]
    assert verify("new", b"body", f"{header},{old}", now=100) == 100
    assert verify("old", b"body", f"{header},{old}", now=100) == 100


@pytest.mark.parametrize(
    "header", [None, "", "v1=abc", "t=100", "t=soon,v1=abc", "t=100,v0=abc", "t=-5,v1=abc", f"t={'9' * 4300},v1=abc"]
)
def test_a_missing_or_malformed_header_says_what_is_needed(header):
    with pytest.raises(SignatureError, match="X-UCJ-Signature"):
        parse(header)


# any text, surrogates included (a header decoded with surrogateescape can hold them)
ANY_TEXT = st.lists(st.characters() | st.sampled_from(["\ud800", "\udc80", "\udfff"]), max_size=200).map("".join)


@given(header=ANY_TEXT | st.builds(lambda t, v: f"t={t},v1={v}", st.text("0123456789", max_size=5000), ANY_TEXT))
def test_any_header_verifies_or_is_refused_with_its_own_error(header):
    try:
        verify("secret", b"body", header, now=1_700_000_000)
    except SignatureError:
        pass


def test_a_non_ascii_signature_is_refused_not_a_crash():
    for header in ("t=100,v1=é", "t=100,v1=\ud800"):
        with pytest.raises(SignatureError, match="needs t="):
            verify("s", b"body", header, now=100)


def test_errors_never_carry_the_secret_or_the_expected_signature():
    secret, body = "ucjw_do-not-leak", b"body"
    expected = sign(secret, body, 100).split("v1=")[1]
    for header, now in ((f"t=100,v1={'0' * 64}", 100), (sign(secret, body, 100), 10_000)):
        with pytest.raises(SignatureError) as refused:
            verify(secret, body, header, now=now)
        assert secret not in str(refused.value) and expected not in str(refused.value)


def test_an_empty_secret_signs_nothing():
    with pytest.raises(ValueError, match="non-empty secret"):
        sign("", b"body", 100)


def test_the_readmes_receiver_verifies_what_the_notifier_signs():
    import time

    from tests.docs.guides import section

    notifier = section("## Notifier")  # docs/operators.md
    code = notifier[notifier.index("```python\n") + len("```python\n") :]
    receiver: dict = {}
    exec(code[: code.index("```")], receiver)  # noqa: S102 - the guide's own example, stdlib only
    now = int(time.time())
    body = b'{"alert": {}, "message": {"subject": "x"}}'
    assert receiver["verify"]("ucjw_s", body, sign("ucjw_s", body, now))
    assert not receiver["verify"]("ucjw_s", body + b" ", sign("ucjw_s", body, now))
    assert not receiver["verify"]("ucjw_other", body, sign("ucjw_s", body, now))
    assert not receiver["verify"]("ucjw_s", body, sign("ucjw_s", body, now - 301))
    assert not receiver["verify"]("ucjw_s", body, "v1=abc")
