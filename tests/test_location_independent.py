"""Outputs do not depend on where the project lies: a clone elsewhere, or a cluster node
that mounts it under another path, writes the same bytes (the Slurm test compares them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG, ROOT

from surveykit.pipeline.ingest import run_ingest

OUTPUTS = ("data.parquet", "codebook.json", "ingest_report.json", "ingest_report.csv")


def _ingest(root: Path, out: Path) -> dict[str, bytes]:
    """The ingest step as the workflow runs it: in the project, config named relatively."""
    out.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        run_ingest(EXAMPLE_CONFIG.relative_to(ROOT), *(out / name for name in OUTPUTS))
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def test_ingest_names_the_raw_file_as_the_config_does(project: Path, tmp_path: Path) -> None:
    here = _ingest(ROOT, tmp_path / "here")
    elsewhere = _ingest(project, tmp_path / "elsewhere")
    assert elsewhere == here
    assert b'"source": "data/raw/example_survey.sav"' in here["codebook.json"]
    assert b"declared in data/raw/example_survey.sav" in here["ingest_report.csv"]
    assert str(ROOT).encode() not in b"".join(here.values())
