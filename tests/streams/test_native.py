"""The compiled hot path (streams/native.py): used when built, refused when built from other sources."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import streams.codec
import streams.processing
from streams import native


def tree_with(tmp_path: Path, compiled: bool) -> Path:
    """A copy of the hot path's sources, with a stand-in extension of one module when `compiled`."""
    for path in native.HOT_PATH:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(native.ROOT / path, tmp_path / path)
    if compiled:
        (tmp_path / "streams" / "codec.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
        (tmp_path / native.STAMP).write_text(native.digest(tmp_path) + "\n")
    return tmp_path


def test_without_extensions_the_sources_run(tmp_path):
    assert native.status(tree_with(tmp_path, compiled=False)) == "interpreted"
    native.refuse_stale(tmp_path)  # nothing to refuse


def test_extensions_built_from_the_sources_beside_them_are_used(tmp_path):
    assert native.status(tree_with(tmp_path, compiled=True)) == "compiled"
    native.refuse_stale(tmp_path)


def test_an_edited_source_makes_its_extensions_stale_and_importing_refuses_them(tmp_path):
    root = tree_with(tmp_path, compiled=True)
    fold = root / "streams" / "domain" / "fold.py"
    fold.write_text(fold.read_text() + "\n# edited after the build\n")
    assert native.status(root) == "stale"
    with pytest.raises(ImportError, match="built from other sources"):
        native.refuse_stale(root)
    (root / "streams" / "domain" / "events.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")  # from an older HOT_PATH
    native.clean(root)
    assert native.status(root) == "interpreted" and not (root / native.STAMP).exists()
    assert not list(root.rglob("*.so"))


def test_extensions_without_a_stamp_are_stale(tmp_path):
    root = tree_with(tmp_path, compiled=True)
    (root / native.STAMP).unlink()
    assert native.status(root) == "stale"


def test_ci_runs_everything_on_the_compiled_hot_path():
    """Under CI=true the suite and the benchmarks must exercise what the worker runs in production."""
    if native.status() != "compiled":
        if os.environ.get("CI") == "true":
            pytest.fail(f"the hot path is {native.status()} under CI: deploy/local/setup.sh compiles it")
        pytest.skip(f"the hot path is {native.status()} here: `python streams/native.py build` compiles it")
    assert streams.codec.__file__.endswith(".so") and streams.processing.__file__.endswith(".so")
