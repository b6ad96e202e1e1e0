"""The worker's hot path compiled to C with mypyc: the same modules, as extensions beside their sources.

    python streams/native.py build    # deploy/local/setup.sh does it; needs a C compiler
    python streams/native.py status   # compiled, interpreted or stale
    python streams/native.py clean

(Run as a file, not with -m: importing the package `streams` refuses stale extensions.)

Python imports an extension module in place of the source beside it, so the sources stay the
reference and the worker runs the same code either way, compiled about 1.4 times as fast
(BENCHMARKS.md). An extension built from other sources than those beside it would run code that
is no longer there, so importing `streams` refuses it (`refuse_stale`) until it is built again.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # holds streams/
HOT_PATH = (  # the fold and everything it calls per event, in dependency order
    "streams/partitioning.py",
    "streams/domain/fold.py",
    "streams/domain/folded.py",
    "streams/domain/history.py",
    "streams/domain/cliff.py",
    "streams/domain/counts.py",
    "streams/codec.py",
    "streams/participant_state.py",
    "streams/processing.py",
    "streams/batch.py",
)
LIBRARY = "streams.native_hot_path"  # the shared library mypyc puts the compiled code in
STAMP = "streams/native.sha256"  # the digest of the sources the extensions were built from


def digest(root: Path = ROOT) -> str:
    """Of the hot path's sources as they are now."""
    sha = hashlib.sha256()
    for path in HOT_PATH:
        sha.update(path.encode() + b"\0" + (root / path).read_bytes() + b"\0")
    return sha.hexdigest()


def extensions(root: Path = ROOT) -> list[Path]:
    """Every compiled module in the package, the shared library and any left from an older HOT_PATH included."""
    return sorted((root / "streams").rglob("*.so"))


def status(root: Path = ROOT) -> str:
    """`compiled`, `interpreted` (no extension), or `stale` (built from other sources)."""
    if not extensions(root):
        return "interpreted"
    stamp = root / STAMP
    return "compiled" if stamp.exists() and stamp.read_text().strip() == digest(root) else "stale"


def refuse_stale(root: Path = ROOT) -> None:
    if status(root) == "stale":
        raise ImportError(
            f"the compiled hot path in {root / 'streams'} was built from other sources than those beside it: "
            f"run `python streams/native.py build` (or deploy/local/setup.sh), or `python streams/native.py clean`"
        )


def build(root: Path = ROOT) -> None:
    """Compile HOT_PATH in place; fails on a type error in it (mypyc type-checks first)."""
    import warnings

    from mypyc.build import mypycify
    from setuptools import setup

    warnings.filterwarnings("ignore", module="setuptools")  # it reads pyproject.toml's [tool.setuptools], beta
    clean(root)
    previous = os.getcwd()
    os.chdir(root)  # mypyc names modules after paths relative to the working directory
    try:
        setup(
            name="ucj-hot-path",
            ext_modules=mypycify(
                # the modules it imports are analysed for their types, but only the hot path must type-check
                ["--follow-imports=silent", "--ignore-missing-imports", *HOT_PATH],
                opt_level="3",
                separate=[(list(HOT_PATH), LIBRARY)],
                target_dir="build/native",
            ),
            script_args=["--quiet", "build_ext", "--inplace", "--build-temp", "build/native/temp"],
        )
    finally:
        os.chdir(previous)
    (root / STAMP).write_text(digest(root) + "\n")


def clean(root: Path = ROOT) -> None:
    for path in extensions(root):
        path.unlink()
    (root / STAMP).unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    if command == "build":
        build()
    elif command == "clean":
        clean()
    elif command != "status":
        print(f"usage: python streams/native.py [build|status|clean]; not {command!r}", file=sys.stderr)
        return 2
    print(f"hot path: {status()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
