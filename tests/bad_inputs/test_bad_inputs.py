"""Every bad input of the catalogue (`cases.py`) is refused the same way:

(a) the command exits with a non-zero status and prints exactly one error line, which names
    the file, key, variable or value and what to do;
(b) no traceback anywhere, and results/ holds no partial or stale output of the refusing
    step (only what earlier steps wrote, and logs; after a failed rerun, only the fresh
    outputs of the steps before the failing one); no file outside results/ is written or
    changed, and nothing is written beside the project;
(c) every file under data/raw/ is byte for byte what it was.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_project, sha256

from bad_inputs.cases import CASES, CONFIG, Case
from surveykit.pipeline.layout import STEPS as LAYOUT

OUT = "results/example"
STEPS = {
    "ingest": ["ingest", CONFIG, "--out", f"{OUT}/ingest"],
    "harmonise": ["harmonise", CONFIG, "--ingested", f"{OUT}/ingest", "--out", OUT],
    "weight": ["weight", CONFIG, "--out", OUT],
    "estimate": ["estimate", CONFIG, "--out", OUT],
    "model": ["model", CONFIG, "--out", OUT],
}
#: The steps run before each step, in order.
BEFORE = {"ingest": [], "harmonise": ["ingest"], "weight": ["ingest", "harmonise"],
          "estimate": ["ingest", "harmonise", "weight"],
          "model": ["ingest", "harmonise", "weight"]}
#: What the workflow may have written when a snakemake case stops at the weight rule.
SNAKEMAKE_TARGET = f"{OUT}/weights.parquet"
UPSTREAM = re.compile(r"results/example/(ingest/|harmonised\.parquet$|harmonise/)")
ERROR_LINE = re.compile(r"^surveykit[\w ]*: (error|internal error)")
#: Lines that continue a message listing several problems (a schema check).
CONTINUED = re.compile(r"^(- at |  … |Fix the keys)")


def _hashes(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory.parent)): sha256(p)
            for p in sorted(directory.rglob("*")) if p.is_file()}


def _results(project: Path) -> dict[str, str]:
    """Every file under results/ except logs, by path, with its hash."""
    folder = project / "results"
    if not folder.exists():
        return {}
    return {name: digest for name, digest in _hashes(folder).items()
            if "logs" not in Path(name).parts}


def _project_files(project: Path) -> dict[str, str]:
    """Every file outside results/, .snakemake/ and benchmarks/ (the timings of the rules
    that ran, checked on their own), by path, with its hash."""
    return {str(p.relative_to(project)): sha256(p) for p in sorted(project.rglob("*"))
            if p.is_file() and p.relative_to(project).parts[0] not in (
                "results", ".snakemake", "benchmarks")}


def _run(project: Path, args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=project, capture_output=True, text=True, timeout=900)


def _surveykit(project: Path, args: list[str]) -> subprocess.CompletedProcess:
    return _run(project, [sys.executable, "-m", "surveykit", *args])


def _refuse(project: Path, case: Case
            ) -> tuple[subprocess.CompletedProcess, dict, dict, str | None]:
    """Run the case's command(s); the failing run, results/ before and after it, and the
    step that failed (``None`` for a command or snakemake)."""
    if case.step == "snakemake":
        snakemake = str(Path(sys.executable).parent / "snakemake")
        done = _run(project, [snakemake, "--cores", "2", SNAKEMAKE_TARGET])
        return done, {}, _results(project), None
    if case.command is not None:
        before = _results(project)
        return _surveykit(project, list(case.command)), before, _results(project), None
    for step in [*BEFORE[case.step], case.step]:
        before = _results(project)
        done = _surveykit(project, STEPS[step])
        if done.returncode != 0:
            return done, before, _results(project), step
    pytest.fail(f"every step up to {case.step} succeeded; none refused the bad input")


def _fresh_outputs_before(step: str) -> list[str]:
    """What the steps before ``step`` write, as paths under results/."""
    earlier = BEFORE[step]
    return [f"{OUT}/{output}" for name in earlier for output in LAYOUT[name].outputs]


def _params():
    for case in CASES:
        marks = [pytest.mark.slow] if case.step == "snakemake" else []
        if case.xfail:
            marks.append(pytest.mark.xfail(strict=True, reason=case.xfail))
        yield pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", list(_params()))
def test_bad_input_is_refused_cleanly(tmp_path: Path, case: Case) -> None:
    project = copy_project(tmp_path / "project")
    if case.rerun:  # a whole run first: its outputs must not outlive the failed rerun
        for step in ("ingest", "harmonise", "weight", "estimate", "model"):
            assert _surveykit(project, STEPS[step]).returncode == 0, step
    case.damage(project)
    raw = _hashes(project / "data" / "raw")
    others = _project_files(project)

    done, before, after, failed = _refuse(project, case)

    # (a) one error line that says what is wrong and where
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]
    errors = [line for line in output.splitlines() if ERROR_LINE.match(line)]
    assert len(errors) == 1, output[-3000:]
    assert ": error: " in errors[0], errors[0][:2000]
    lines = output.splitlines()
    first = lines.index(errors[0])
    message = "\n".join([errors[0], *(line for line in lines[first + 1:]
                                       if CONTINUED.match(line))])
    assert re.search(case.message, message), message[:2000]
    assert len(errors[0]) < 1000, errors[0][:2000]
    # (b) no traceback, no partial or stale output, nothing outside the project
    assert "Traceback" not in output, output[-3000:]
    if case.step == "snakemake":
        written = [name for name in after if not UPSTREAM.match(name)]
        assert not written, written
        timed = sorted(p.stem for p in (project / "benchmarks").rglob("*.tsv"))
        assert set(timed) <= {"ingest", "harmonise"}, timed  # the steps before, which ran
    elif case.rerun:
        assert failed == case.step
        assert sorted(after) == sorted(_fresh_outputs_before(failed))
    else:
        assert after == before
    assert _project_files(project) == others
    assert [p.name for p in tmp_path.iterdir()] == ["project"]
    # (c) the raw data is untouched
    assert _hashes(project / "data" / "raw") == raw
