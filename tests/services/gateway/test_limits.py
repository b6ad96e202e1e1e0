"""Unknown keys are remembered briefly, by digest, and never more than a bounded number of them."""
from services.gateway.limits import UnknownKeys


def test_an_unknown_key_is_remembered_until_its_time_is_up():
    unknown = UnknownKeys(seconds=10)
    unknown.remember("wrong", now=100.0)
    assert unknown.known_unknown("wrong", now=109.9) and not unknown.known_unknown("other", now=100.0)
    assert not unknown.known_unknown("wrong", now=110.0) and len(unknown) == 0


def test_only_the_newest_are_kept_and_no_key_is_stored_as_it_was_sent():
    unknown = UnknownKeys(seconds=10, kept=3)
    for n in range(5):
        unknown.remember(f"key-{n}", now=0.0)
    assert len(unknown) == 3
    assert [unknown.known_unknown(f"key-{n}", now=1.0) for n in range(5)] == [False, False, True, True, True]
    assert all(b"key-" not in digest for digest in unknown._until)
