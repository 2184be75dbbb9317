"""pyproject.toml and environment.yml must list the same packages with the same bounds."""

from __future__ import annotations

import re
import tomllib

import yaml
from conftest import ROOT

# Names that differ between PyPI and conda-forge.
PYPI_TO_CONDA: dict[str, str] = {}


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    assert match, requirement
    return match.group(1).lower(), match.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pip_side = dict(_split(r) for r in project["dependencies"])
    for extra in ("test", "slurm"):
        pip_side.update(_split(r) for r in project["optional-dependencies"][extra])
    pip_side = {PYPI_TO_CONDA.get(name, name): bound for name, bound in pip_side.items()}

    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda_side = dict(
        _split(entry) for entry in environment["dependencies"]
        if isinstance(entry, str) and _split(entry)[0] not in ("python", "pip")
    )
    assert conda_side == pip_side


def test_python_floor_agrees() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    python = [e for e in environment["dependencies"] if isinstance(e, str)
              and _split(e)[0] == "python"]
    assert python == ["python" + project["requires-python"]]
