"""Shared fixtures: paths of the project, the example survey and the shared real SPSS file."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_SAV = ROOT / "data" / "raw" / "example_survey.sav"
EXAMPLE_CSV = ROOT / "data" / "raw" / "example_survey.csv"
EXAMPLE_CODEBOOK = ROOT / "data" / "raw" / "example_survey.codebook.yaml"
EXAMPLE_CONFIG = ROOT / "config" / "surveys" / "example.yaml"
GSS = ROOT.parent / "shared" / "data" / "gss_extract.sav"


def sha256(path: Path) -> str:
    """Content hash of a file (to prove raw data is never modified)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _unshared(node):
    """A copy in which no two places share an object: YAML aliases (``*satisfaction_map``)
    load as one shared object, and a change meant for one concept must not reach all."""
    if isinstance(node, dict):
        return {key: _unshared(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_unshared(value) for value in node]
    return node


def write_changed_config(source: Path, target: Path, change) -> Path:
    """Write the survey config ``source`` to ``target`` after ``change(spec)`` edited it."""
    spec = _unshared(yaml.safe_load(source.read_text(encoding="utf-8")))
    change(spec)
    target.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False),
                      encoding="utf-8")
    return target


@pytest.fixture
def gss_path() -> Path:
    """The real SPSS file from ../shared/data; skipped where the clone has no ../shared."""
    if not GSS.is_file():
        pytest.skip("../shared/data/gss_extract.sav is not present in this clone")
    return GSS


def copy_project(target: Path) -> Path:
    """A copy of the project's tracked files (no results, no venv) for workflow tests."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
        capture_output=True, text=True,
    ).stdout.split()
    for name in listed:
        source = ROOT / name
        if not source.exists() and not source.is_symlink():
            continue
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            destination.symlink_to(source.readlink())
        else:
            shutil.copy2(source, destination)
    return target


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the project to run the workflow or the CLI in."""
    return copy_project(tmp_path / "project")
