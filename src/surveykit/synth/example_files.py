"""Write the synthetic example surveys as the files a real survey arrives in.

``surveykit synth`` uses this to produce ``data/raw/example_survey.sav`` (SPSS, with labels
and user-missing codes), the same data as ``example_survey.csv`` plus
``example_survey.codebook.yaml``, the population margins under ``config/margins/``, the true
parameters as JSON and ``data/raw/example_survey.md`` documenting them.
``surveykit synth --example gruenfelde`` writes the second example region (CSV + codebook).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from surveykit.data.io import Codebook, Variable, write_codebook, write_csv, write_sav
from surveykit.data.outputs import output_set
from surveykit.synth import SynthSurvey, generate, truth_markdown
from surveykit.synth.small_town import TOWN_FILE_LABEL, generate_town, town_markdown

__all__ = ["EXAMPLES", "Example", "synth_codebook", "write_example"]

FILE_LABEL = "Bürgerbefragung Verbandsgemeinde Oberes Wippertal (synthetisch)"


def synth_codebook(survey: SynthSurvey, source: str = "",
                   file_label: str = FILE_LABEL) -> Codebook:
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
    return Codebook(tuple(variables), source=source, file_label=file_label, encoding="UTF-8")


def _margin_lines(margins: dict[str, str]) -> str:
    return "\n".join(f"  - `{Path(path).name}`: {name}" for name, path in margins.items())


def _readme(survey: SynthSurvey, stem: str, margins: dict[str, str]) -> str:
    margin_lines = _margin_lines(margins)
    return (
        f"# The example survey (`{stem}.*`)\n\n"
        "Raw survey files are inputs: the workflow reads them and never changes them.\n\n"
        "A fully synthetic resident survey of a fictional Verbandsgemeinde in the Harz, made "
        f"by `surveykit synth --n {survey.n_target} --seed {survey.seed}` (deterministic: the "
        "command, with --force, rewrites these files with the same content). No real person is "
        "in it.\n\n"
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


def _readme_town(survey: SynthSurvey, stem: str, margins: dict[str, str]) -> str:
    return (
        f"# The second example survey (`{stem}.*`)\n\n"
        "Raw survey files are inputs: the workflow reads them and never changes them.\n\n"
        "A fully synthetic resident survey of a fictional small town in Thuringia, made by "
        f"`surveykit synth --example gruenfelde --n {survey.n_target} --seed {survey.seed}` "
        "(deterministic; with --force it rewrites these files with the same content). No real "
        "person is in it. It was asked with another questionnaire "
        "than the Harz example: other variable names and codes (sex 1 = female, Ortsteil "
        "codes 10-50, satisfaction 5 = very satisfied, missing codes -8/-9), a 5-point intent "
        "item with a middle category \"vielleicht\", and it arrives as CSV plus codebook.\n\n"
        f"- `{stem}.csv` + `{stem}.codebook.yaml`: the data and its codebook (labels, "
        "user-missing codes).\n"
        f"- `{stem}.truth.json`: the true parameters below, machine-readable.\n"
        "- Population margins (exact counts of the synthetic population), in "
        "`config/margins/`:\n"
        f"{_margin_lines(margins)}\n\n"
        + town_markdown(survey)
    )


@dataclass(frozen=True)
class Example:
    """One bundled example region: its generator, file label, file stem and documentation."""

    generate: Callable[..., SynthSurvey]
    file_label: str
    stem: str
    formats: tuple[str, ...]
    describe: Callable[[SynthSurvey, str, dict[str, str]], str]


EXAMPLES = {
    "wippertal": Example(generate, FILE_LABEL, "example_survey", ("sav", "csv"), _readme),
    "gruenfelde": Example(generate_town, TOWN_FILE_LABEL, "gruenfelde_survey", ("csv",),
                          _readme_town),
}


def write_example(
    survey: SynthSurvey,
    data_dir: Path,
    margins_dir: Path,
    stem: str = "example_survey",
    formats: Sequence[str] = ("sav", "csv"),
    example: str = "wippertal",
    overwrite: bool = True,
) -> list[Path]:
    """Write an example survey's files; returns the paths written (all or none).

    Parameters
    ----------
    survey : SynthSurvey
        The generated survey (``EXAMPLES[example].generate(...)``).
    data_dir, margins_dir : Path
        Where the data files (and ``<stem>.md``, ``<stem>.truth.json``) and the population
        margins (``<prefix>_<margin>.csv``, prefix = stem without ``_survey``) go.
    stem : str
        File name stem of the data files.
    formats : sequence of str
        ``sav``, ``zsav`` and/or ``csv`` (CSV always comes with its YAML codebook).
    example : str
        Key of :data:`EXAMPLES`: which region's file label and documentation to write.
    overwrite : bool
        ``False`` (``surveykit synth`` without ``--force``) refuses to replace any file that
        exists, so raw data and margins are never overwritten by accident.
    """
    region = EXAMPLES[example]
    codebook = synth_codebook(survey, source=str(data_dir / f"{stem}.sav"),
                              file_label=region.file_label)
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
        readme = data_dir / f"{stem}.md"
        out.write_text(readme, region.describe(survey, stem, margins))
        written += [truth, readme]
    return written
