"""A secret comes from NAME or from the file NAME_FILE names, never both, never silently empty."""

import os

import pytest

from services.common.secrets import SecretError, pseudonym_key, read_secret
from tests.tools import write_secret


def test_value_file_neither_and_both(tmp_path):
    path = write_secret(tmp_path / "secret", "s3cret\n")
    assert read_secret("X", {"X": "value"}) == "value"
    assert read_secret("X", {"X_FILE": str(path)}) == "s3cret"  # the final newline is not part of it
    assert read_secret("X", {}) is None
    with pytest.raises(SecretError, match="not both"):
        read_secret("X", {"X": "value", "X_FILE": str(path)})


def test_unreadable_and_empty_files_are_named(tmp_path):
    with pytest.raises(SecretError, match="cannot read X_FILE"):
        read_secret("X", {"X_FILE": str(tmp_path / "missing")})
    write_secret(tmp_path / "empty", "\n")
    with pytest.raises(SecretError, match="is empty"):
        read_secret("X", {"X_FILE": str(tmp_path / "empty")})


def test_the_pseudonym_key_is_required_and_long_enough():
    with pytest.raises(SecretError, match="UCJ_PSEUDONYM_KEY_FILE"):
        pseudonym_key({})
    with pytest.raises(SecretError, match="at least 32 bytes"):
        pseudonym_key({"UCJ_PSEUDONYM_KEY": "short"})
    assert pseudonym_key({"UCJ_PSEUDONYM_KEY": "k" * 40}) == b"k" * 40


def test_a_private_file_is_read(tmp_path):
    path = write_secret(tmp_path / "key", "k" * 48 + "\n")
    assert read_secret("UCJ_PSEUDONYM_KEY", {"UCJ_PSEUDONYM_KEY_FILE": str(path)}) == "k" * 48


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o601, 0o610])
def test_a_file_that_group_or_others_can_access_is_refused_with_the_fix(tmp_path, mode):
    """As `openssl rand ... > file` makes it under the usual umask 022 (0644): the secret may
    have leaked already, so the service refuses it and says in one sentence what to run."""
    path = write_secret(tmp_path / "pseudonym.key", "k" * 48 + "\n")
    path.chmod(mode)
    with pytest.raises(SecretError) as refused:
        read_secret("UCJ_PSEUDONYM_KEY", {"UCJ_PSEUDONYM_KEY_FILE": str(path)})
    assert str(refused.value) == (
        f"UCJ_PSEUDONYM_KEY_FILE {path} can be read by group or others (mode {mode:04o}); run chmod 600 {path}"
    )
    path.chmod(0o600)  # the fix the sentence names works
    assert read_secret("UCJ_PSEUDONYM_KEY", {"UCJ_PSEUDONYM_KEY_FILE": str(path)}) == "k" * 48


def test_the_mode_is_that_of_the_file_a_symlink_names(tmp_path):
    """Docker and Kubernetes hand secrets over as links now and then (Kubernetes: ..data/):
    what counts is the file read."""
    target = write_secret(tmp_path / "real", "s3cret\n")
    link = tmp_path / "link"
    link.symlink_to(target)
    assert read_secret("X", {"X_FILE": str(link)}) == "s3cret"
    target.chmod(0o644)
    with pytest.raises(SecretError, match="can be read by group or others"):
        read_secret("X", {"X_FILE": str(link)})


def test_the_pseudonym_key_file_refusal_reaches_the_caller(tmp_path):
    path = tmp_path / "pseudonym.key"
    path.write_text("k" * 48)
    os.chmod(path, 0o644)
    with pytest.raises(SecretError, match=f"run chmod 600 {path}"):
        pseudonym_key({"UCJ_PSEUDONYM_KEY_FILE": str(path)})
