"""What each workflow step writes under ``results/<survey>/``, which steps it feeds, and
removing what a failed step leaves stale.

Snakemake deletes the outputs of a job that fails, but not those of the later steps from an
earlier successful run: after a rerun in which ``weight`` fails, ``tables.xlsx`` and
``report.html`` would still show the old weighting beside the new harmonised data. So a
step that fails removes its own outputs and those of every step downstream of it (through
the CLI and through the workflow's scripts alike, `remove_stale_outputs`); the next run
rebuilds them. Outputs of steps upstream of the failure, and the logs, stay.

`STEPS` mirrors ``workflow/rules/*.smk``; ``tests/test_workflow_safety.py`` checks that it
names every file a whole workflow run writes.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ACROSS_SURVEYS", "STEPS", "Step", "downstream", "remove_stale_outputs",
           "stale_remover", "survey_folder"]


@dataclass(frozen=True)
class Step:
    """One workflow step: its outputs relative to ``results/<survey>/`` (a folder is
    removed whole) and the steps whose outputs it reads."""

    outputs: tuple[str, ...]
    reads: tuple[str, ...] = ()


STEPS: dict[str, Step] = {
    "ingest": Step(("ingest/data.parquet", "ingest/codebook.json",
                    "ingest/ingest_report.json", "ingest/ingest_report.csv")),
    "harmonise": Step(("harmonised.parquet", "harmonise/concepts.json",
                       "harmonise/report.json"), ("ingest",)),
    "weight": Step(("weights.parquet", "weighting/adjustments.npz",
                    "weighting/diagnostics.json", "weighting/margins.csv"), ("harmonise",)),
    "estimate": Step(("tables/shares", "tables.xlsx", "estimate/estimate.json"),
                     ("harmonise", "weight")),
    # The model step's parts (rules model_imputations, model_robustness,
    # model_categorical; only written when the workflow config fans the model step out,
    # as profiles/slurm does).
    "model_parts": Step(("models/parts",), ("harmonise", "weight")),
    "model": Step(("models/models.json", "tables/odds_ratios.csv", "tables/ame.csv",
                   "tables/predictions.csv"), ("harmonise", "weight", "model_parts")),
    # The figures that need no model (rule figures_descriptive, drawn while the models
    # are fitted; Snakemake removes the folder once rule figures has taken them over).
    "figures_descriptive": Step(("figures_descriptive",), ("harmonise", "estimate", "weight")),
    "figures": Step(("figures",), ("harmonise", "estimate", "weight", "model",
                                   "figures_descriptive")),
    "strategies": Step(("strategies.json",), ("estimate", "model")),
    "report": Step(("report.html", "slides.pptx"),
                   ("harmonise", "estimate", "figures", "weight", "model", "strategies")),
}

#: Outputs beside the surveys' folders (``results/<name>``) built from every survey's
#: tables: stale as soon as any survey's tables are.
ACROSS_SURVEYS: tuple[str, ...] = ("comparison",)


def downstream(step: str) -> list[str]:
    """``step`` and every step that reads its outputs, directly or through others, in
    workflow order."""
    found = {step}
    changed = True
    while changed:
        changed = False
        for name, spec in STEPS.items():
            if name not in found and found.intersection(spec.reads):
                found.add(name)
                changed = True
    return [name for name in STEPS if name in found]


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink(missing_ok=True)


def remove_stale_outputs(step: str, survey_dir: str | Path) -> list[Path]:
    """Remove what ``step``'s failure leaves stale in ``survey_dir`` (``results/<survey>``);
    returns the paths removed.

    Removes the outputs of ``step`` and of every step downstream of it, and the
    cross-survey outputs (`ACROSS_SURVEYS`) beside ``survey_dir`` when the survey's tables
    are among them. Logs and the outputs of earlier steps stay.
    """
    survey_dir = Path(survey_dir)
    affected = downstream(step)
    targets = [survey_dir / output for name in affected for output in STEPS[name].outputs]
    if "estimate" in affected:
        targets += [survey_dir.parent / name for name in ACROSS_SURVEYS]
    removed = [path for path in targets if path.exists() or path.is_symlink()]
    for path in removed:
        _remove(path)
    return removed


def survey_folder(step: str, output: str | Path) -> Path:
    """The survey's results folder, from one output path of ``step`` as the workflow names
    it (``results/example/weights.parquet`` → ``results/example``)."""
    written = Path(output).as_posix()
    for relative in STEPS[step].outputs:
        if written == relative or written.endswith("/" + relative):
            return Path(written[: len(written) - len(relative)] or ".")
        inside = written.find("/" + relative + "/")  # a file in an output folder
        if inside >= 0:
            return Path(written[: inside + 1])
    raise ValueError(f"{output} is not an output of the {step} step (pipeline.layout.STEPS)")


def stale_remover(step: str, output: str | Path) -> Callable[[], list[Path]]:
    """What a workflow script calls when ``step`` fails: `remove_stale_outputs` in the
    survey folder that ``output`` (one of the step's outputs) lies in.

    An output the layout does not know (a rule renamed without updating `STEPS`) leaves
    the cleanup to Snakemake's own (the failed job's outputs only) rather than guess.
    """
    try:
        folder = survey_folder(step, output)
    except ValueError:
        return list
    return lambda: remove_stale_outputs(step, folder)
