"""Write result files all-or-nothing.

A step writes every output to a temporary file beside its target and renames them only when
all are written, so a failure never leaves a partial or stale-looking result behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from surveykit._core.errors import ArgumentError

__all__ = ["OutputSet", "dumps_json", "output_set"]


def dumps_json(document: Any) -> str:
    """Deterministic JSON text (UTF-8, indented, trailing newline)."""
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


class OutputSet:
    """Files staged for an all-or-nothing write; see :func:`output_set`."""

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []

    def path(self, target: str | Path) -> Path:
        """A temporary path to write ``target``'s content to."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                        dir=target.parent)
        os.close(handle)
        self._staged.append((Path(name), target))
        return Path(name)

    def directory(self, target: str | Path) -> Path:
        """A temporary directory to fill with ``target``'s files; on commit it replaces
        ``target`` whole (files of an earlier run that this one did not write are gone)."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        name = tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        self._staged.append((Path(name), target))
        return Path(name)

    def write_text(self, target: str | Path, text: str) -> None:
        """Stage a text file (UTF-8)."""
        self.path(target).write_text(text, encoding="utf-8")

    def write_json(self, target: str | Path, document: Any) -> None:
        """Stage a JSON document."""
        self.write_text(target, dumps_json(document))

    def write_with(self, target: str | Path, writer: Callable[[Path], None]) -> None:
        """Stage a file written by ``writer(path)`` (e.g. a parquet or xlsx writer)."""
        writer(self.path(target))

    def commit(self) -> None:
        """Move every staged file to its target (readable as a normal new file would be)."""
        umask = os.umask(0)
        os.umask(umask)
        for temporary, target in self._staged:
            if temporary.is_dir():
                os.chmod(temporary, 0o777 & ~umask)
                for member in temporary.iterdir():
                    os.chmod(member, 0o666 & ~umask)
                if target.is_dir():
                    shutil.rmtree(target)
            else:
                os.chmod(temporary, 0o666 & ~umask)
            os.replace(temporary, target)
        self._staged.clear()

    def discard(self) -> None:
        for temporary, _ in self._staged:
            if temporary.is_dir():
                shutil.rmtree(temporary, ignore_errors=True)
            else:
                temporary.unlink(missing_ok=True)
        self._staged.clear()


@contextmanager
def output_set(keep_existing: str | None = None) -> Iterator[OutputSet]:
    """Stage several outputs; they appear together at the end, or not at all on error.

    With ``keep_existing`` (the fix to name, e.g. "pass --force to overwrite them") no
    file that exists already is replaced: an `ArgumentError` lists them and nothing is
    written.
    """
    staged = OutputSet()
    try:
        yield staged
        existing = [str(target) for _, target in staged._staged if target.exists()]
        if keep_existing is not None and existing:
            shown = ", ".join(existing[:4]) + (f" … ({len(existing)} files)"
                                               if len(existing) > 4 else "")
            raise ArgumentError(f"{shown} exist already and would be overwritten; "
                                f"{keep_existing}")
    except BaseException:
        staged.discard()
        raise
    staged.commit()
