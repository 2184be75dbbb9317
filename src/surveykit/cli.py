"""The ``surveykit`` command line: ``inspect``, ``init``, ``synth`` and the steps
``ingest``, ``harmonise``, ``weight``, ``estimate``, ``model``, ``strategies``.

A `SurveyError` is printed as one message (file, variable, value, fix) without a traceback,
and the command exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from surveykit._core.errors import ArgumentError, ConfigError, SurveyError
from surveykit._core.messages import shorten

__all__ = ["exit_on_error", "main"]


@contextmanager
def exit_on_error(prog: str = "surveykit", log: str | Path | None = None,
                  cleanup: Callable[[], object] | None = None) -> Iterator[None]:
    """Print a `SurveyError` as ``prog: error: …`` and exit 1, without a traceback.

    With ``log`` (a workflow rule's log file) the message is written there too. Anything
    else is a bug in surveykit, not a mistake of the user's: one line says so, and the
    traceback goes to the log (or stderr without one) for the bug report. On any failure
    ``cleanup`` runs first (a step removes the outputs its failure leaves stale:
    `surveykit.pipeline.layout`).
    """
    try:
        yield
    except Exception:
        if cleanup is not None:
            try:
                cleanup()
            except OSError as problem:
                print(f"{prog}: warning: could not remove stale outputs ({problem})",
                      file=sys.stderr)
        with _reported(prog, log):
            raise


@contextmanager
def _reported(prog: str, log: str | Path | None) -> Iterator[None]:
    """The message and exit status of `exit_on_error` for the exception raised inside."""
    try:
        yield
    except SurveyError as error:
        message = f"{prog}: error: {error}"
        print(message, file=sys.stderr)
        if log is not None:
            Path(log).parent.mkdir(parents=True, exist_ok=True)
            Path(log).write_text(message + "\n", encoding="utf-8")
        raise SystemExit(1) from None
    except Exception as error:
        import traceback

        where = f"; the details are in {log}" if log is not None else ""
        message = (f"{prog}: internal error ({type(error).__name__}: {error}){where}. "
                   "This is a bug in surveykit, not in your data or config: please report "
                   "it with that file")
        details = "".join(traceback.format_exception(error))
        if log is not None:
            Path(log).parent.mkdir(parents=True, exist_ok=True)
            Path(log).write_text(message + "\n\n" + details, encoding="utf-8")
            print(message, file=sys.stderr)
        else:
            print(details + message, file=sys.stderr)
        raise SystemExit(2) from None


def _inspect(args: argparse.Namespace) -> None:
    from surveykit.data.describe import codebook_summary, format_codebook
    from surveykit.data.io import read_survey, write_codebook

    data, codebook = read_survey(args.file, format=args.format, encoding=args.encoding,
                                 codebook=args.codebook)
    if args.json:
        print(json.dumps({"source": codebook.source, "rows": len(data),
                          "variables": codebook_summary(data, codebook)},
                         ensure_ascii=False, indent=2, default=str))
    else:
        sys.stdout.write(format_codebook(data, codebook))
    if args.write_codebook:
        _inside(args.write_codebook, "--write-codebook")
        write_codebook(codebook, args.write_codebook,
                       header=f"# Codebook of {codebook.source}, written by surveykit inspect\n")


#: A survey id names ``config/surveys/<id>.yaml`` and ``results/<id>/``: a plain name.
SURVEY_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _inside(path: str | Path, option: str) -> Path:
    """``path`` from the command line, refused if it lies outside the project (the current
    folder) and the ``data_dirs`` of its ``config/config.yaml``."""
    from surveykit.data.project_paths import check_inside, declared_data_dirs

    check_inside(path, root=Path.cwd(), data_dirs=declared_data_dirs(Path.cwd()),
                 where="surveykit command line", key=option)
    return Path(path)


@contextmanager
def _removing_stale(step: str, survey_dir: Path | None, outputs: Sequence[Path]
                    ) -> Iterator[None]:
    """On failure remove the step's own ``outputs`` and, when ``survey_dir`` is a survey's
    results folder (not the project folder itself), every output downstream of the step
    there (`surveykit.pipeline.layout`): a failed rerun leaves no stale results."""
    try:
        yield
    except Exception:
        from surveykit.pipeline.layout import remove_stale_outputs

        if survey_dir is not None and survey_dir.resolve() != Path.cwd().resolve():
            remove_stale_outputs(step, survey_dir)
        for path in outputs:
            path.unlink(missing_ok=True)
        raise


def _init(args: argparse.Namespace) -> None:
    from surveykit.data.config import load_survey_config
    from surveykit.data.io import detect_format, read_survey
    from surveykit.data.outputs import output_set
    from surveykit.data.skeleton import sheet_with_survey, skeleton_yaml

    if not SURVEY_ID.fullmatch(args.id):
        plain = re.sub(r"[^A-Za-z0-9_]+", "_", args.id).strip("_")
        example = plain if SURVEY_ID.fullmatch(plain) else "harz_2026"
        raise ArgumentError(
            f"--id {shorten(args.id)} is not a plain identifier; it names "
            "config/surveys/<id>.yaml and results/<id>/, so use letters, digits and _, "
            f"starting with a letter (e.g. --id {example})")
    _inside(args.file, "FILE")
    target = _inside(args.config_dir, "--config-dir") / f"{args.id}.yaml"
    sheet = _inside(args.sheet, "--sheet")
    if target.exists() and not args.force:
        raise ConfigError(f"{target} exists already; choose another --id or pass --force "
                          "to overwrite it")
    if sheet.exists() and not args.force:
        ids = [line.split("\t", 1)[0] for line in sheet.read_text(encoding="utf-8").splitlines()]
        if args.id in ids[1:]:
            raise ConfigError(f"{sheet} lists the survey id {args.id!r} already; choose "
                              "another --id or remove that row")
    data, codebook = read_survey(args.file, format=args.format, encoding=args.encoding,
                                 codebook=args.codebook)
    kind = detect_format(args.file, args.format)
    text = skeleton_yaml(codebook, args.id, str(args.file),
                         source_format=kind if args.format else None, data=data)
    # The config and the sheet row appear together, and only once the skeleton validates.
    with output_set() as out:
        staged = out.path(target)
        staged.write_text(text, encoding="utf-8")
        load_survey_config(staged)  # the skeleton must validate; a failure here is a bug
        out.write_text(sheet, sheet_with_survey(sheet, args.id, str(target)))
    print(f"wrote {target}; added {args.id!r} to {sheet}. Review every line marked REVIEW, "
          "then run snakemake.")


def _synth(args: argparse.Namespace) -> None:
    from surveykit.synth.example_files import EXAMPLES, write_example

    example = EXAMPLES[args.example]
    out, margins = _inside(args.out, "--out"), _inside(args.margins, "--margins")
    options = {key: value for key, value in (("n", args.n), ("seed", args.seed))
               if value is not None}
    survey = example.generate(**options)
    written = write_example(survey, out, margins, stem=args.stem or example.stem,
                            formats=args.formats or example.formats, example=args.example,
                            overwrite=args.force)
    for path in written:
        print(f"wrote {path}")


def _ingest(args: argparse.Namespace) -> None:
    from surveykit.pipeline.ingest import run_ingest

    out = _inside(args.out, "--out")
    outputs = [out / "data.parquet", out / "codebook.json", out / "ingest_report.json",
               out / "ingest_report.csv"]
    with _removing_stale("ingest", out.parent if out.name == "ingest" else None, outputs):
        run_ingest(args.config, *outputs)


def _harmonise(args: argparse.Namespace) -> None:
    from surveykit.pipeline.harmonise import run_harmonise

    ingested, out = _inside(args.ingested, "--ingested"), _inside(args.out, "--out")
    outputs = [out / "harmonised.parquet", out / "harmonise" / "concepts.json",
               out / "harmonise" / "report.json"]
    with _removing_stale("harmonise", out, outputs):
        run_harmonise(args.config, ingested / "data.parquet", ingested / "codebook.json",
                      *outputs)


def _notice(config_path: str, step: str) -> bool:
    """Print the notice if the config skips ``step`` (or part of it); whether it does."""
    from surveykit.data.config import load_survey_config
    from surveykit.pipeline.settings import skipped_steps

    notice = skipped_steps(load_survey_config(config_path)).get(step)
    if notice:
        print(f"surveykit {step}: notice: {notice}", file=sys.stderr)
    return notice is not None


def _weight(args: argparse.Namespace) -> None:
    from surveykit.pipeline.weight import run_weight

    out = _inside(args.out, "--out")
    outputs = [out / "weights.parquet", out / "weighting" / "adjustments.npz",
               out / "weighting" / "diagnostics.json", out / "weighting" / "margins.csv"]
    with _removing_stale("weight", out, outputs):
        _notice(args.config, "weight")
        run_weight(args.config, out / "harmonised.parquet",
                   out / "harmonise" / "concepts.json", *outputs)


def _estimate(args: argparse.Namespace) -> None:
    from surveykit.pipeline.estimate import run_estimate

    out = _inside(args.out, "--out")
    _inside(args.workflow_config, "--workflow-config")
    outputs = [out / "tables.xlsx", out / "estimate" / "estimate.json"]
    with _removing_stale("estimate", out, outputs):
        run_estimate(args.config, out / "harmonised.parquet",
                     out / "harmonise" / "concepts.json", out / "weights.parquet",
                     out / "weighting" / "adjustments.npz", out / "tables" / "shares",
                     out / "tables.xlsx", out / "estimate" / "estimate.json",
                     workflow_config=args.workflow_config)


def _model(args: argparse.Namespace) -> None:
    from surveykit.pipeline.model import run_models

    out = _inside(args.out, "--out")
    _inside(args.workflow_config, "--workflow-config")
    outputs = [out / "models" / "models.json", out / "tables" / "odds_ratios.csv",
               out / "tables" / "ame.csv", out / "tables" / "predictions.csv"]
    with _removing_stale("model", out, outputs):
        if _notice(args.config, "model"):
            return
        run_models(args.config, out / "harmonised.parquet",
                   out / "harmonise" / "concepts.json", out / "weights.parquet",
                   out / "weighting" / "adjustments.npz", *outputs,
                   workflow_config=args.workflow_config)


def _strategies(args: argparse.Namespace) -> None:
    from surveykit.data.config import load_survey_config
    from surveykit.pipeline.strategies import run_strategies

    out = _inside(args.out, "--out")
    models = out / "tables" / "ame.csv"
    with _removing_stale("strategies", out, [out / "strategies.json"]):
        config = load_survey_config(args.config)
        if not config.spec.get("strategies"):
            print(f"surveykit strategies: notice: survey {config.id!r} ({config.path}): no "
                  "strategies: section, so there is nothing to evaluate and no "
                  "strategies.json is written; add strategies: (see "
                  "config/surveys/example.yaml)", file=sys.stderr)
            return
        run_strategies(args.config, out / "tables" / "shares",
                       models.parent if models.is_file() else None,
                       out / "estimate" / "estimate.json", out / "strategies.json")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="surveykit",
        description="Design-based analysis of resident surveys on migration intent.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def source_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("file", help="survey file: .sav, .zsav, .por or .csv")
        sub.add_argument("--format", choices=["sav", "zsav", "por", "csv"],
                         help="file format (default: from the extension)")
        sub.add_argument("--encoding", help="character encoding (CSV default utf-8)")
        sub.add_argument("--codebook", help="CSV only: YAML codebook "
                         "(default <stem>.codebook.yaml beside the file)")

    inspect = commands.add_parser("inspect", help="print a file's codebook")
    source_options(inspect)
    inspect.add_argument("--json", action="store_true", help="print JSON instead of text")
    inspect.add_argument("--write-codebook", metavar="YAML",
                         help="also write the codebook as YAML (for a CSV export of the data)")
    inspect.set_defaults(handler=_inspect)

    init = commands.add_parser("init", help="write a skeleton survey config from a file")
    source_options(init)
    init.add_argument("--id", required=True, help="survey id (letters, digits, _)")
    init.add_argument("--config-dir", default="config/surveys")
    init.add_argument("--sheet", default="config/surveys.tsv")
    init.add_argument("--force", action="store_true", help="overwrite an existing config")
    init.set_defaults(handler=_init)

    synth = commands.add_parser("synth", help="generate a synthetic example survey")
    synth.add_argument("--example", choices=["wippertal", "gruenfelde"], default="wippertal",
                       help="which region: the Harz Verbandsgemeinde (default) or the small "
                            "Thuringian town with another questionnaire")
    synth.add_argument("--n", type=int, help="respondents (default 2400 / 900)")
    synth.add_argument("--seed", type=int, help="random seed (default: the example's own)")
    synth.add_argument("--out", default="data/raw", help="directory for the data files")
    synth.add_argument("--margins", default="config/margins",
                       help="directory for the population margins")
    synth.add_argument("--stem", help="file name stem (default example_survey / "
                                      "gruenfelde_survey)")
    synth.add_argument("--formats", nargs="+", choices=["sav", "zsav", "csv"],
                       help="file formats (default sav csv / csv)")
    synth.add_argument("--force", action="store_true",
                       help="overwrite existing data and margins files")
    synth.set_defaults(handler=_synth)

    ingest = commands.add_parser("ingest", help="read a survey's raw file (workflow step)")
    ingest.add_argument("config", help="config/surveys/<id>.yaml")
    ingest.add_argument("--out", required=True, help="output directory")
    ingest.set_defaults(handler=_ingest)

    harmonise = commands.add_parser("harmonise", help="map to canonical concepts (step)")
    harmonise.add_argument("config", help="config/surveys/<id>.yaml")
    harmonise.add_argument("--ingested", required=True, help="directory written by ingest")
    harmonise.add_argument("--out", required=True, help="output directory")
    harmonise.set_defaults(handler=_harmonise)
    def step(name: str, help_: str, holds: str, handler, settings: bool = False) -> None:
        """A workflow step by hand: the survey config and the survey's results directory."""
        sub = commands.add_parser(name, help=f"{help_} (step)")
        sub.add_argument("config", help="config/surveys/<id>.yaml")
        sub.add_argument("--out", required=True,
                         help=f"the survey's results directory (holds {holds})")
        if settings:
            sub.add_argument("--workflow-config", default="config/config.yaml",
                             help="workflow settings (seed, min_cell_n); default %(default)s")
        sub.set_defaults(handler=handler)

    step("weight", "weight a harmonised survey", "harmonised.parquet", _weight)
    step("estimate", "share tables and workbook",
         "harmonised.parquet and the weight step's files", _estimate, settings=True)
    step("model", "fit the configured models",
         "harmonised.parquet and the weight step's files", _model, settings=True)
    strategies = commands.add_parser(
        "strategies", help="which Handlungsstrategien the findings support (step)")
    strategies.add_argument("config", help="config/surveys/<id>.yaml")
    strategies.add_argument("--out", required=True,
                            help="the survey's results directory (holds the estimate "
                            "step's tables and, with models, tables/ame.csv)")
    strategies.set_defaults(handler=_strategies)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    with exit_on_error():
        if getattr(args, "config", None) is not None:  # a step's survey config
            _inside(args.config, "CONFIG")
        args.handler(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
