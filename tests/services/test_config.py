from datetime import timedelta

import pytest

from services.config import duration


@pytest.mark.parametrize(
    "text, expected",
    [("90", 90), ("90s", 90), ("500ms", 0.5), ("15m", 900), ("24h", 86400), ("7d", 7 * 86400), ("0.2s", 0.2)],
)
def test_duration(text, expected):
    assert duration(text) == timedelta(seconds=expected)


@pytest.mark.parametrize("text", ["", "abc", "5 minutes", "-5s", "1w"])
def test_bad_duration(text):
    with pytest.raises(ValueError):
        duration(text)
