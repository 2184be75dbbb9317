"""Workflow step ``figures``: every figure of a survey from its published tables.

Reads what the estimate, weight and model steps wrote (so a figure can never show a cell
the tables suppress) and writes SVG and PNG files plus ``figures.json`` with each figure's
title and caption, which the report and ``snakemake --report`` use. A figure whose inputs
the survey lacks (no intent scale, no models) is skipped with a notice.

The workflow draws the figures that need no model in a job of their own while the models are
still being fitted (`run_descriptive_figures`, rule ``figures_descriptive``); `run_figures`
then draws only the model figures and takes the others over, the same files as drawing all
of them at once.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from surveykit._core.errors import DataError
from surveykit.data.config import load_survey_config, text_in
from surveykit.data.outputs import output_set
from surveykit.pipeline.settings import step_settings
from surveykit.publish import figures
from surveykit.publish.figure_style import caption_text, figure_context, save_figure, warm_up
from surveykit.publish.formats import format_count, format_number
from surveykit.publish.labels import Labels
from surveykit.publish.safe_text import restore_frame
from surveykit.publish.tables import read_published_csv as _read_csv

__all__ = ["run_descriptive_figures", "run_figures"]

_TITLES = {
    "de": {
        "willing_by_group": "Wanderungsbereitschaft nach Gruppen (Anteil mit 95-%-Intervall)",
        "intent_scale": "Wahrscheinlichkeit wegzuziehen, nach Gruppen",
        "weighting_margins": "Stichprobe vor und nach der Gewichtung und Bevölkerung",
        "weight_distribution": "Verteilung der Gewichte",
        "odds_ratios": "Einflussfaktoren der Wanderungsbereitschaft (Odds Ratios)",
        "ame": "Einflussfaktoren in Prozentpunkten (durchschnittliche Effekte)",
        "predicted_1": "Vorhergesagte Wanderungsbereitschaft",
        "predicted_2": "Vorhergesagte Wanderungsbereitschaft",
        "priority_matrix": "Prioritätenmatrix: Unzufriedenheit und Bezug zum Wegzug",
        "destinations": "Wohin die Wanderungsbereiten ziehen würden",
        "population_trend": "Bevölkerungsentwicklung im Vergleich zu Kreis und Land",
    },
    "en": {
        "willing_by_group": "Willingness to move by group (share with 95% interval)",
        "intent_scale": "Likelihood of moving away, by group",
        "weighting_margins": "Sample before and after weighting, and the population",
        "weight_distribution": "Distribution of the weights",
        "odds_ratios": "Factors of willingness to move (odds ratios)",
        "ame": "Factors in percentage points (average marginal effects)",
        "predicted_1": "Predicted willingness to move",
        "predicted_2": "Predicted willingness to move",
        "priority_matrix": "Priority matrix: dissatisfaction and link to leaving",
        "destinations": "Where those willing to move would go",
        "population_trend": "Population trend against district and state",
    },
}
_SUPPRESSED = {
    "de": "Zellen mit weniger als {n} Befragten sind nicht dargestellt.",
    "en": "Cells with fewer than {n} respondents are not shown.",
}
_INTENT_NOTE = {
    "de": "Zahlen in Prozent; schwarze Linie: 95-%-Intervall des Anteils, der einen Wegzug "
          "für wahrscheinlich hält.",
    "en": "Numbers in percent; black line: 95% interval of the share who think moving away "
          "likely.",
}
_MARK_NOTE = {
    "de": "▲/▼ signifikant höher/niedriger als in der übrigen Bevölkerung.",
    "en": "▲/▼ significantly higher/lower than in the rest of the population.",
}
_PRIORITY_NOTE = {
    "de": "x: Anteil der Unzufriedenen mit dem Angebot; y: um so viele Prozentpunkte sind "
          "Unzufriedene häufiger wanderungsbereit als die übrigen Befragten (Zusammenhang, "
          "keine Ursache); Linien: 95-%-Intervalle; gestrichelt: Mittel der Angebote; rot: "
          "kritischer Quadrant.",
    "en": "x: share dissatisfied with the item; y: how many percentage points more often the "
          "dissatisfied are willing to move than the others (association, not cause); lines: "
          "95% intervals; dashed: the items' averages; red: critical quadrant.",
}
_REFERENCE = {"de": "Referenzkategorien", "en": "Reference levels"}
_MARGINS_NOTE = {
    "de": "Durchschnittliche vorhergesagte Wahrscheinlichkeit, alle übrigen Merkmale wie "
          "beobachtet.",
    "en": "Average predicted probability, all other characteristics as observed.",
}
_AME_NOTE = {
    "de": "Rot: erhöht die Wanderungsbereitschaft signifikant, blau: senkt sie, grau: kein "
          "signifikanter Effekt.",
    "en": "Red: raises willingness to move significantly, blue: lowers it, grey: no "
          "significant effect.",
}
_LIMITED = {
    "de": "( ) Aussagewert eingeschränkt (Basis unter {n} Befragten).",
    "en": "( ) Limited reliability (base below {n} respondents).",
}
_ONLY = {"de": "Nur", "en": "Only"}
_WEIGHT_NOTE = {
    "de": "Gewichte relativ zum Mittel; Designeffekt der Gewichtung (Kish) {deff}, "
          "effektive Fallzahl {n_eff}.",
    "en": "Weights relative to their mean; design effect of weighting (Kish) {deff}, "
          "effective sample size {n_eff}.",
}
_SEPARATION_NOTE = {
    "de": "Separation: alle oder keine Befragten der Gruppe wanderungsbereit, kein Wert.",
    "en": "Separation: everyone or no one in the group willing to move, no value.",
}
_MODEL_NOTE = {
    "de": "Design-basiertes Logit-Modell; Intervalle: 95 %.",
    "en": "Design-based logit model; intervals: 95%.",
}


#: A figure to draw: its name, the function that draws it (given pyplot) and two fields
#: the listing does not use.
Plan = tuple[str, Callable[[Any], Any], int | None, str]

#: The plans `_draw_all` draws: a module global, so that worker processes forked from this
#: one find them (the plans are closures, which cannot be sent to a process).
_PLANS: list[Plan] = []


def _draw_planned(index: int, directory: Path) -> str:
    """Draw and save figure ``index`` of `_PLANS` (in a worker or this process); its
    caption, as the figure's last text shows it."""
    name, draw, _, _ = _PLANS[index]
    with figure_context() as plt:
        figure = draw(plt)
        caption = figure.texts[-1].get_text().replace("\n", " ") if figure.texts else ""
        save_figure(figure, directory, name)
    return caption


def _draw_all(plans: list[Plan], directory: Path, workers: int) -> list[str]:
    """Draw every plan into ``directory``; their captions, in plan order.

    Rendering the SVG and PNG files is most of the step's time and the figures are
    independent, so ``workers`` > 1 draws them in that many forked processes (as the
    comparison's figures); every file is the same whichever process draws it (the figure
    style fixes SVG ids and metadata).
    """
    import multiprocessing

    _PLANS[:] = plans
    try:
        workers = min(int(workers), len(plans))
        # Forked workers only (they find the plans in this process's memory): where the
        # system has no fork (Windows), one process draws them all.
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            from concurrent.futures import ProcessPoolExecutor
            from functools import partial

            warm_up()  # once here, not once in every forked worker
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                return list(pool.map(partial(_draw_planned, directory=directory),
                                     range(len(plans))))
        return [_draw_planned(index, directory) for index in range(len(plans))]
    finally:
        _PLANS.clear()



@dataclass(frozen=True)
class _Planned:
    """The figures a survey's results allow, in the order of ``figures.json``."""

    survey: str
    language: str
    titles: dict[str, str]
    plans: list[Plan]
    model_figures: frozenset[str]   # the plans drawn from the model step's tables
    notices: list[str]


def _plan_figures(config_path: str | Path, concepts_path: str | Path,
                  shares_dir: str | Path, summary_path: str | Path, weights_path: str | Path,
                  margins_path: str | Path | None, diagnostics_path: str | Path,
                  model_dir: str | Path | None,
                  workflow_config: dict[str, Any] | str | Path | None,
                  root: str | Path | None, models: bool = True) -> _Planned:
    """Every figure's plan (name, drawing function …) from the steps' outputs; with
    ``models=False`` only those that need no model (their notices too)."""
    config = load_survey_config(config_path, root=root)
    settings = step_settings(config, workflow_config)
    concepts = json.loads(Path(concepts_path).read_text(encoding="utf-8"))["concepts"]
    report = config.spec.get("report") or {}
    language = report.get("language", "de")
    labels = Labels(concepts, language)
    source = text_in(report.get("source") or config.spec.get("title") or config.id, language)
    titles = _TITLES[language]
    shares = Path(shares_dir)
    outcome = (config.spec.get("models") or {}).get("outcome", "willing_to_move")
    plans: list[Plan] = []
    notices: list[str] = []
    suppressed = _SUPPRESSED[language].format(n=settings.min_cell_n)
    summary = json.loads(Path(summary_path).read_text(encoding="utf-8"))
    reliability_n = summary["settings"]["reliability_n"]
    populations = {table["id"]: table["population"] for table in summary["tables"]}

    def hidden(rows: pd.DataFrame) -> str:
        """The caption's notes on suppressed and limited cells, where the rows have any."""
        flags = rows["flag"].fillna("").astype(str)
        notes = [suppressed if flags.str.startswith("suppressed").any() else "",
                 _LIMITED[language].format(n=reliability_n) if (flags == "limited").any()
                 else ""]
        return " ".join(filter(None, notes))

    def base(rows: pd.DataFrame) -> int | None:
        overall = rows[rows["breakdown"].fillna("") == ""]["n"].dropna()
        return int(overall.max()) if len(overall) else None

    def one_way(rows: pd.DataFrame) -> pd.DataFrame:
        return rows[rows["breakdown"].str.count("×") == 0]

    willing = _read_csv(shares / f"{outcome}.csv")
    if willing is not None:
        marks = _MARK_NOTE[language] if (willing["mark"] != "").any() else ""
        willing_caption = caption_text(base(willing), source, language, " ".join(
            filter(None, [marks, hidden(one_way(willing))])))
        plans.append(("willing_by_group", lambda plt: figures.share_by_group(
            plt, willing, labels, language, titles["willing_by_group"], willing_caption),
            base(willing), ""))
    ordinal = (config.spec.get("models") or {}).get("ordinal_outcome", "intent")
    intent = _read_csv(shares / f"{ordinal}.csv")
    if intent is not None:
        intent_caption = caption_text(base(intent), source, language, " ".join(
            filter(None, [_INTENT_NOTE[language], hidden(one_way(intent))])))
        plans.append(("intent_scale", lambda plt: figures.intent_diverging(
            plt, intent, willing, labels, language, titles["intent_scale"], intent_caption),
            base(intent), ""))
    else:
        notices.append(f"no table of {ordinal!r}: the intent-scale figure is skipped")
    if margins_path is not None and Path(margins_path).is_file():
        margins = restore_frame(pd.read_csv(margins_path))
        if len(margins):
            plans.append(("weighting_margins", lambda plt: figures.weighting_margins(
                plt, margins, labels, language, titles["weighting_margins"],
                caption_text(int(margins.groupby("variable")["n"].sum().max()), source,
                             language)), None, ""))
    trim = (config.spec.get("weighting") or {}).get("trim") or {}
    bounds = [b for b in (trim.get("lower"), trim.get("upper")) if b is not None] \
        if trim.get("relative") else None
    diagnostics = json.loads(Path(diagnostics_path).read_text(encoding="utf-8"))
    weight_note = _WEIGHT_NOTE[language].format(
        deff=format_number(diagnostics["kish_deff"], 2, language),
        n_eff=format_count(diagnostics["effective_n"], language))

    def weight_distribution(plt: Any) -> Any:
        weights = pd.read_parquet(weights_path)  # read where drawn: 1M rows, one figure
        return figures.weight_distribution(
            plt, weights, bounds, language, titles["weight_distribution"],
            caption_text(len(weights), source, language, weight_note))
    plans.append(("weight_distribution", weight_distribution, None, ""))
    before_models = len(plans)
    if models and model_dir is not None:
        model = Path(model_dir)
        odds = _read_csv(model / "odds_ratios.csv")
        ame = _read_csv(model / "ame.csv")
        predictions = _read_csv(model / "predictions.csv")
        references = (config.spec.get("models") or {}).get("reference_levels") or {}
        reference_text = "; ".join(f"{labels.concept(name)} {labels.level(name, level)}"
                                   for name, level in references.items())
        note = _MODEL_NOTE[language] + (f" {_REFERENCE[language]}: {reference_text}."
                                        if reference_text else "")
        flagged = note + (f" {_SEPARATION_NOTE[language]}" if any(
            frame is not None and "flag" in frame.columns
            and (frame["flag"].fillna("").astype(str) == "separation").any()
            for frame in (odds, ame)) else "")
        if odds is not None:
            plans.append(("odds_ratios", lambda plt: figures.odds_ratio_forest(
                plt, odds, labels, language, titles["odds_ratios"],
                caption_text(None, source, language, flagged)), None, ""))
        if ame is not None:
            plans.append(("ame", lambda plt: figures.ame_plot(
                plt, ame, labels, language, titles["ame"],
                caption_text(None, source, language, f"{flagged} {_AME_NOTE[language]}")),
                None, ""))
        if predictions is not None:
            for number in sorted(set(predictions["set"])):
                part = predictions[predictions["set"] == number].reset_index(drop=True)
                names = [labels.concept(part["x"].iloc[0])]
                if part["hue"].iloc[0]:
                    names.append(labels.concept(part["hue"].iloc[0]))
                joiner = " und " if language == "de" else " and "
                title = f"{titles['predicted_1']}: {joiner.join(names)}"
                plans.append((f"predicted_{number}", lambda plt, part=part, title=title:
                              figures.predicted_probabilities(
                                  plt, part, labels, language, title,
                                  caption_text(None, source, language,
                                               f"{_MARGINS_NOTE[language]} {note}")),
                              None, ""))
    elif models:
        notices.append("no models configured: the model figures are skipped")
    model_figures = frozenset(name for name, _, _, _ in plans[before_models:])
    matrix = _read_csv(shares / "priority_matrix.csv")
    if matrix is not None:
        plans.append(("priority_matrix", lambda plt: figures.priority_matrix_plot(
            plt, matrix, labels, language, titles["priority_matrix"],
            caption_text(int(matrix["n"].max()), source, language, " ".join(filter(None, [
                _PRIORITY_NOTE[language],
                suppressed if (matrix["flag"] != "").any() else ""])))), None, ""))
    destination = (config.spec.get("models") or {}).get("destination_outcome",
                                                         "destination")
    table_id = next((table["id"] for table in summary["tables"]
                     if destination in table.get("indicators", [])), None)
    destinations = _read_csv(shares / f"{table_id}.csv") if table_id else None
    if destinations is not None:
        destinations = destinations[destinations["indicator"] == destination]
        only = populations.get(table_id)
        destination_caption = caption_text(base(destinations), source, language, " ".join(
            filter(None, [f"{_ONLY[language]}: {only}." if only else "",
                          hidden(destinations)])))
        plans.append(("destinations", lambda plt: figures.destination_shares(
            plt, destinations, labels, language, titles["destinations"],
            destination_caption), None, ""))
    population = config.spec.get("population")
    if population:
        from surveykit.data.population import read_population_series
        from surveykit.publish.trend import population_trend, trend_sentence

        series = read_population_series(config.resolve(population["file"]),
                                        int(population["base_year"]))
        trend_caption = caption_text(None, "; ".join(series.sources), language,
                                     trend_sentence(series, language))
        plans.append(("population_trend", lambda plt: population_trend(
            plt, series, language, titles["population_trend"], trend_caption), None, ""))
    return _Planned(config.id, language, titles, plans, model_figures, notices)


def run_figures(config_path: str | Path, concepts_path: str | Path, shares_dir: str | Path,
                summary_path: str | Path, weights_path: str | Path, margins_path: str | Path | None,
                diagnostics_path: str | Path, model_dir: str | Path | None,
                figures_out: str | Path,
                workflow_config: dict[str, Any] | str | Path | None = None,
                root: str | Path | None = None, workers: int = 1,
                drawn: str | Path | None = None) -> None:
    """Draw every figure the survey's results allow; write SVG, PNG and figures.json.

    ``model_dir`` holds ``odds_ratios.csv``, ``ame.csv`` and ``predictions.csv`` (the
    model step's tables), or is ``None`` for a survey without models. ``workers`` > 1
    draws the figures in that many processes (`_draw_all`). ``drawn`` is the folder that
    `run_descriptive_figures` filled from the same inputs: its figures are taken from
    there and only the model figures are drawn here (the same files either way).
    """
    planned = _plan_figures(config_path, concepts_path, shares_dir, summary_path,
                            weights_path, margins_path, diagnostics_path, model_dir,
                            workflow_config, root)
    for notice in planned.notices:
        print(f"surveykit figures: notice: {planned.survey}: {notice}", file=sys.stderr)
    with output_set() as out:
        directory = out.directory(figures_out)
        if drawn is None:
            captions = _draw_all(planned.plans, directory, workers)
        else:
            captions = _complete_drawn(planned, Path(drawn), directory, workers)
        _write_listing(directory, planned, captions)


def run_descriptive_figures(config_path: str | Path, concepts_path: str | Path,
                            shares_dir: str | Path, summary_path: str | Path,
                            weights_path: str | Path, margins_path: str | Path | None,
                            diagnostics_path: str | Path, out: str | Path,
                            workflow_config: dict[str, Any] | str | Path | None = None,
                            root: str | Path | None = None, workers: int = 1) -> None:
    """Draw the figures that need no model into ``out`` (with their ``figures.json``),
    for `run_figures` ``drawn=``.

    They are most of the figures' drawing time, so the workflow draws them while the
    models are still being fitted (rule figures_descriptive) and the figures step, which
    waits for the models, only draws the model figures.
    """
    planned = _plan_figures(config_path, concepts_path, shares_dir, summary_path,
                            weights_path, margins_path, diagnostics_path, None,
                            workflow_config, root, models=False)
    with output_set() as output:
        directory = output.directory(out)
        _write_listing(directory, planned, _draw_all(planned.plans, directory, workers))


def _complete_drawn(planned: _Planned, drawn: Path, directory: Path, workers: int
                    ) -> list[str]:
    """Copy the figures `run_descriptive_figures` drew into ``directory``, draw the model
    figures beside them; every figure's caption, in plan order."""
    listing = drawn / "figures.json"
    try:
        document = json.loads(listing.read_text(encoding="utf-8"))
        found = {entry["name"]: entry["caption"] for entry in document["figures"]}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataError(f"{listing}: not the listing of the figures drawn before the models "
                        f"({error}); delete {drawn} and rerun the workflow") from None
    expected = [name for name, _, _, _ in planned.plans if name not in planned.model_figures]
    if (document.get("survey"), document.get("language"), sorted(found)) != (
            planned.survey, planned.language, sorted(expected)):
        raise DataError(f"{listing}: holds the figures {sorted(found)} of survey "
                        f"{document.get('survey')!r} ({document.get('language')}), not "
                        f"{sorted(expected)} of {planned.survey!r} ({planned.language}); "
                        f"delete {drawn} and rerun the workflow")
    to_draw = [plan for plan in planned.plans if plan[0] in planned.model_figures]
    drawn_here = dict(zip((name for name, _, _, _ in to_draw),
                          _draw_all(to_draw, directory, workers), strict=True))
    for name in expected:
        for suffix in (".svg", ".png"):
            try:
                shutil.copyfile(drawn / f"{name}{suffix}", directory / f"{name}{suffix}")
            except OSError as error:
                raise DataError(f"{drawn}: the figure {name}{suffix} that its listing names "
                                f"cannot be read ({error}); delete {drawn} and rerun the "
                                "workflow") from None
    return [drawn_here[name] if name in drawn_here else found[name]
            for name, _, _, _ in planned.plans]


def _write_listing(directory: Path, planned: _Planned, captions: list[str]) -> None:
    """``figures.json``: each figure's files, title and caption, and the step's notices."""
    listing = [{"name": name, "title": planned.titles.get(name, name), "caption": caption,
                "svg": f"{name}.svg", "png": f"{name}.png"}
               for (name, _, _, _), caption in zip(planned.plans, captions, strict=True)]
    (directory / "figures.json").write_text(
        json.dumps({"survey": planned.survey, "language": planned.language,
                    "figures": listing, "notices": planned.notices}, indent=2,
                   ensure_ascii=False) + "\n",
        encoding="utf-8")
