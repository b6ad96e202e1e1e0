"""A secret comes from NAME or from the file NAME_FILE names, never both, never silently empty."""
import pytest

from services.secrets import SecretError, pseudonym_key, read_secret


def test_value_file_neither_and_both(tmp_path):
    path = tmp_path / "secret"
    path.write_text("s3cret\n")
    assert read_secret("X", {"X": "value"}) == "value"
    assert read_secret("X", {"X_FILE": str(path)}) == "s3cret"  # the final newline is not part of it
    assert read_secret("X", {}) is None
    with pytest.raises(SecretError, match="not both"):
        read_secret("X", {"X": "value", "X_FILE": str(path)})


def test_unreadable_and_empty_files_are_named(tmp_path):
    with pytest.raises(SecretError, match="cannot read X_FILE"):
        read_secret("X", {"X_FILE": str(tmp_path / "missing")})
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(SecretError, match="is empty"):
        read_secret("X", {"X_FILE": str(tmp_path / "empty")})


def test_the_pseudonym_key_is_required_and_long_enough():
    with pytest.raises(SecretError, match="UCJ_PSEUDONYM_KEY_FILE"):
        pseudonym_key({})
    with pytest.raises(SecretError, match="at least 32 bytes"):
        pseudonym_key({"UCJ_PSEUDONYM_KEY": "short"})
    assert pseudonym_key({"UCJ_PSEUDONYM_KEY": "k" * 40}) == b"k" * 40
