"""Secrets from the environment: NAME holds the value, or NAME_FILE the path of a file holding it.

Files are how Docker and Kubernetes hand secrets over without putting them in the environment
of every child process or in `ps` output. A file that its group or others may access at all
(mode & 0o077) is refused, as ssh refuses such a key: the secret may already have leaked, and
nothing else would say so.
"""

from __future__ import annotations

import os
import stat
from typing import Mapping


class SecretError(ValueError):
    """A secret is set wrongly; the message says which and how."""


def read_secret(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """The value of secret `name`, from NAME or from the file named by NAME_FILE; None if neither is set."""
    env = os.environ if env is None else env
    value, path = env.get(name) or None, env.get(f"{name}_FILE") or None
    if value is not None and path is not None:
        raise SecretError(f"set {name} or {name}_FILE, not both")
    if path is None:
        return value
    try:
        with open(path, encoding="utf-8") as file:
            mode = stat.S_IMODE(os.fstat(file.fileno()).st_mode)
            if mode & 0o077:
                raise SecretError(
                    f"{name}_FILE {path} can be read by group or others (mode {mode:04o}); run chmod 600 {path}"
                )
            text = file.read()
    except OSError as error:
        raise SecretError(f"cannot read {name}_FILE {path}: {error.strerror or error}") from None
    text = text.rstrip("\r\n")  # editors and `echo` add a final newline
    if not text:
        raise SecretError(f"{name}_FILE {path} is empty")
    return text


def pseudonym_key(env: Mapping[str, str] | None = None) -> bytes:
    """The province's pseudonym key (UCJ_PSEUDONYM_KEY or UCJ_PSEUDONYM_KEY_FILE), as bytes."""
    from streams.domain.pseudonym import MIN_KEY_BYTES

    key = read_secret("UCJ_PSEUDONYM_KEY", env)
    if key is None:
        raise SecretError(
            "no pseudonym key: set UCJ_PSEUDONYM_KEY or UCJ_PSEUDONYM_KEY_FILE "
            f"(at least {MIN_KEY_BYTES} bytes, for example from `openssl rand -base64 48`)"
        )
    data = key.encode("utf-8")
    if len(data) < MIN_KEY_BYTES:
        raise SecretError(f"the pseudonym key must be at least {MIN_KEY_BYTES} bytes long, got {len(data)}")
    return data
