"""Write the synthetic example survey as the files a real survey arrives in.

``surveykit synth`` uses this to produce ``data/raw/example_survey.sav`` (SPSS, with labels
and user-missing codes), the same data as ``example_survey.csv`` plus
``example_survey.codebook.yaml``, the population margins under ``config/margins/``, the true
parameters as JSON and ``data/raw/README.md`` documenting them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from surveykit.data.io import Codebook, Variable, write_codebook, write_csv, write_sav
from surveykit.data.outputs import output_set
from surveykit.synth import SynthSurvey, truth_markdown

__all__ = ["synth_codebook", "write_example"]

FILE_LABEL = "Bürgerbefragung Verbandsgemeinde Oberes Wippertal (synthetisch)"


def synth_codebook(survey: SynthSurvey, source: str = "") -> Codebook:
    """The codebook of a synthetic survey, from its variable metadata."""
    variables = []
    for meta in survey.variables:
        ranges = [tuple(meta["missing_range"])] if meta.get("missing_range") else []
        variables.append(Variable(
            name=meta["name"],
            label=meta["label"],
            type="numeric",
            measure=meta["measure"],
            value_labels=meta.get("value_labels") or {},
            missing_values=tuple(meta.get("missing_values") or ()),
            missing_ranges=tuple(ranges),
            format=meta.get("format"),
        ))
    return Codebook(tuple(variables), source=source, file_label=FILE_LABEL, encoding="UTF-8")


def _readme(survey: SynthSurvey, stem: str, margins: dict[str, str]) -> str:
    margin_lines = "\n".join(f"  - `{Path(path).name}`: {name}" for name, path in margins.items())
    return (
        "# Raw data\n\n"
        "Raw survey files are inputs: the workflow reads them and never changes them.\n\n"
        f"## The example survey (`{stem}.*`)\n\n"
        "A fully synthetic resident survey of a fictional Verbandsgemeinde in the Harz, made "
        f"by `surveykit synth --n {survey.n_target} --seed {survey.seed}` (deterministic: the "
        "command rewrites these files with the same content). No real person is in it.\n\n"
        f"- `{stem}.sav`: SPSS file with variable and value labels, user-missing codes "
        "(e.g. 8 \"weiß nicht\", 9 \"keine Angabe\") and measurement levels.\n"
        f"- `{stem}.csv` + `{stem}.codebook.yaml`: the same data as CSV with a YAML codebook.\n"
        f"- `{stem}.truth.json`: the true parameters below, machine-readable.\n"
        "- Population margins (exact counts of the synthetic population), in "
        "`config/margins/`:\n"
        f"{margin_lines}\n\n"
        "On purpose, code 99 \"keine Angabe\" of `wohndauer` is only a value label, not a "
        "declared missing value: the survey config declares it missing.\n\n"
        + truth_markdown(survey)
    )


def write_example(
    survey: SynthSurvey,
    data_dir: Path,
    margins_dir: Path,
    stem: str = "example_survey",
    formats: Sequence[str] = ("sav", "csv"),
    overwrite: bool = True,
) -> list[Path]:
    """Write the example survey's files; returns the paths written (all or none).

    ``overwrite=False`` (``surveykit synth`` without ``--force``) refuses to replace any
    file that exists, so raw data and margins are never overwritten by accident.
    """
    codebook = synth_codebook(survey, source=str(data_dir / f"{stem}.sav"))
    written: list[Path] = []
    prefix = stem.removesuffix("_survey")
    margins = {name: str(margins_dir / f"{prefix}_{name}.csv") for name in survey.margins}
    refuse = None if overwrite else ("pass --force to regenerate them, or write elsewhere "
                                      "with --out and --margins")
    with output_set(keep_existing=refuse) as out:
        for kind in formats:
            if kind in ("sav", "zsav"):
                target = data_dir / f"{stem}.{kind}"
                out.write_with(target, lambda p, zsav=(kind == "zsav"): write_sav(
                    survey.data, codebook, p, zsav=zsav))
                written.append(target)
            elif kind == "csv":
                target = data_dir / f"{stem}.csv"
                out.write_with(target, lambda p: write_csv(survey.data, codebook, p))
                book = data_dir / f"{stem}.codebook.yaml"
                out.write_with(book, lambda p: write_codebook(
                    codebook, p,
                    header=f"# Codebook of {stem}.csv (written by surveykit synth)\n"))
                written += [target, book]
        for name, frame in survey.margins.items():
            out.write_with(margins[name], lambda p, f=frame: f.to_csv(
                p, index=False, lineterminator="\n"))
            written.append(Path(margins[name]))
        truth = data_dir / f"{stem}.truth.json"
        out.write_json(truth, survey.truth)
        readme = data_dir / "README.md"
        out.write_text(readme, _readme(survey, stem, margins))
        written += [truth, readme]
    return written
