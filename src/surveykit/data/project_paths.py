"""Every file surveykit reads or writes lies inside the project, or inside a data folder the
user declares.

A survey config travels between regions; one that names ``/etc/passwd`` or
``../../other_project/data.sav`` must not make surveykit read (and quote in a message) a file
the user never meant to hand over, nor write results over files elsewhere. So every path a
config or a command line names — ``source.path``, ``source.codebook``, margins files,
``population.file``, the survey sheet's configs, ``results`` and ``--out`` — is checked
before anything is read or written: it must lie inside the project folder (the folder
surveykit runs in) or inside one of the folders listed under ``data_dirs`` in
``config/config.yaml``. The check is on the normalised path (``..`` resolved as written, not
by following symbolic links: a link inside the project was put there by its owner).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from surveykit._core.errors import ConfigError
from surveykit._core.messages import shorten

__all__ = ["WORKFLOW_CONFIG", "allowed_folders", "check_data_dirs", "check_inside",
           "declared_data_dirs", "is_inside"]

#: Where the workflow-wide settings (and so ``data_dirs``) live, relative to the project.
WORKFLOW_CONFIG = Path("config") / "config.yaml"


def _absolute(path: str | Path, root: Path) -> Path:
    """``path`` made absolute against ``root`` and normalised (``a/../b`` → ``b``)."""
    candidate = Path(os.path.expanduser(str(path)))
    if not candidate.is_absolute():
        candidate = root / candidate
    return Path(os.path.normpath(os.path.abspath(candidate)))


def allowed_folders(root: str | Path, data_dirs: Iterable[str | Path] = ()) -> list[Path]:
    """The project folder and the declared data folders, absolute and normalised."""
    root = _absolute(root, Path.cwd())
    return [root, *(_absolute(folder, root) for folder in data_dirs)]


def is_inside(path: str | Path, folders: Sequence[Path], root: str | Path) -> bool:
    """Whether ``path`` (relative to ``root``) lies inside one of ``folders``."""
    target = _absolute(path, _absolute(root, Path.cwd()))
    return any(target == folder or folder in target.parents for folder in folders)


def declared_data_dirs(root: str | Path) -> list[str]:
    """``data_dirs`` of the project's ``config/config.yaml`` (none if it has no such file).

    The file is validated whole on the way (schema, and ``results``/``surveys`` inside the
    project), so a broken workflow config stops the first step, not only the later ones
    that read its other settings.
    """
    from surveykit.data.config import load_workflow_config

    path = Path(root) / WORKFLOW_CONFIG
    if not path.is_file():
        return []
    return list(load_workflow_config(path, root=root).get("data_dirs") or [])


def check_data_dirs(data_dirs: Iterable[str | Path], root: str | Path, where: str) -> None:
    """Refuse a declared data folder that is the whole file system."""
    for folder in data_dirs:
        if _absolute(folder, Path(root)) == Path(os.path.abspath(os.sep)):
            raise ConfigError(f"{where}: data_dirs names {str(folder)!r}, the whole file "
                              "system; name the folder that holds the survey data itself")


def check_inside(path: str | Path, *, root: str | Path, data_dirs: Iterable[str | Path],
                 where: str, key: str) -> Path:
    """``path`` made absolute, or a `ConfigError` if it lies outside the project.

    Parameters
    ----------
    path
        The path as written in the config or on the command line.
    root
        The project folder relative paths are resolved against.
    data_dirs
        Folders outside the project the user declared (``data_dirs`` in
        ``config/config.yaml``).
    where
        The file (or ``the command line``) the path was given in, named in the message.
    key
        The key or option that gave it (``source.path``, ``--out`` …).
    """
    folders = allowed_folders(root, data_dirs)
    if is_inside(path, folders, root):
        return _absolute(path, folders[0])
    declared = (f" or the declared data_dirs ({', '.join(map(str, folders[1:]))})"
                if len(folders) > 1 else "")
    raise ConfigError(
        f"{where}: {key} is {shorten(str(path))}, which lies outside the project "
        f"({folders[0]}){declared}, and surveykit reads and writes only there; use a path "
        "inside the project (survey files belong in data/raw/), or declare the folder under "
        f"data_dirs in {WORKFLOW_CONFIG}"
    )
