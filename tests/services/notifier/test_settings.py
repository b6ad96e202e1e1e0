import pytest

from services.notifier.settings import boolean


def test_boolean():
    assert boolean("true") and boolean("1") and boolean("YES")
    assert not boolean("false") and not boolean("0") and not boolean("")
    with pytest.raises(ValueError):
        boolean("maybe")
