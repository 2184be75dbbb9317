"""The figures of a survey, one function each (seaborn on matplotlib).

Every function takes the published tidy tables (so a figure shows exactly the cells the
tables show: suppressed cells are left out and the caption says so), the labels in the
report language and a caption, and returns a matplotlib figure; `figure_style.save_figure`
writes it. Intervals are always drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from surveykit.publish.figure_style import (
    DIVERGING,
    OKABE_ITO,
    add_caption,
    add_title,
    caption_lines,
    number_formatter,
    percent_formatter,
    wrap,
)
from surveykit.publish.formats import format_count, format_number, format_percent
from surveykit.publish.labels import Labels

__all__ = ["ame_plot", "destination_shares", "intent_diverging", "odds_ratio_forest",
           "predicted_probabilities", "priority_matrix_plot", "share_by_group",
           "weight_distribution", "weighting_margins"]

_T = {
    "de": {"total": "Insgesamt", "share": "Anteil", "odds": "Odds Ratio (log. Skala)",
           "ame": "Durchschnittlicher Effekt in Prozentpunkten", "weight": "Gewicht",
           "count": "Befragte", "before": "vor der Gewichtung", "after": "nach der Gewichtung",
           "population": "Bevölkerung", "dissatisfied": "Anteil unzufrieden",
           "importance": "Mehr Wanderungsbereite unter den Unzufriedenen (Prozentpunkte)",
           "critical": "kritisch", "maintain": "Bezug zum Wegzug,\nwenig Unzufriedenheit",
           "irritant": "verbreitet unzufrieden,\nschwacher Bezug", "low": "geringe Priorität",
           "probability": "Vorhergesagte Wahrscheinlichkeit", "complete": "vollständige Fälle",
           "pooled": "multiple Imputation", "mean": "Mittel",
           "trim": "Kappungsgrenzen", "separation": "nicht schätzbar (Separation)"},
    "en": {"total": "Total", "share": "Share", "odds": "Odds ratio (log scale)",
           "ame": "Average marginal effect in percentage points", "weight": "Weight",
           "count": "Respondents", "before": "before weighting", "after": "after weighting",
           "population": "Population", "dissatisfied": "Share dissatisfied",
           "importance": "More willing to move among the dissatisfied (percentage points)",
           "critical": "critical", "maintain": "linked to leaving,\nfew dissatisfied",
           "irritant": "widespread dissatisfaction,\nweak link", "low": "low priority",
           "separation": "not estimable (separation)",
           "probability": "Predicted probability", "complete": "complete cases",
           "pooled": "multiple imputation", "mean": "mean", "trim": "trimming bounds"},
}


def _shown(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows a figure may show: not suppressed."""
    return rows[~rows["flag"].fillna("").astype(str).str.startswith("suppressed")]


def _domain_text(row: Any, labels: Labels, language: str) -> str:
    if not row.breakdown:
        return _T[language]["total"]
    return f"{row.breakdown_label}: {row.domain_label}"


def _extra_lines(texts: Sequence[str], width: int = 34) -> int:
    """How many lines beyond one the wrapped labels take, altogether."""
    return sum(wrap(text, width).count("\n") for text in texts)


def _figure(plt: Any, height: float, width: float = 8.0) -> tuple[Any, Any]:
    figure, axes = plt.subplots(figsize=(width, height))
    return figure, axes


def share_by_group(plt: Any, rows: pd.DataFrame, labels: Labels, language: str, title: str,
                   caption: str) -> Any:
    """A share by group: dot with 95 % interval, the share, mark and n beside it, the total
    as a dotted line, groups separated."""
    from matplotlib.transforms import blended_transform_factory

    data = _shown(rows[rows["breakdown"].astype(str).str.count("×") == 0]).reset_index(
        drop=True)
    texts = [_domain_text(row, labels, language) for row in data.itertuples()]
    # a label wrapped over two lines needs more room than one row's share of the height
    height = 1.5 + 0.28 * len(data) + 0.16 * _extra_lines(texts)
    figure, axes = _figure(plt, height)
    positions = np.arange(len(data))[::-1]
    colours = [OKABE_ITO["black"] if not b else OKABE_ITO["blue"] for b in data["breakdown"]]
    axes.hlines(positions, data["ci_low"], data["ci_high"], color=colours, linewidth=2)
    axes.scatter(data["estimate"], positions, color=colours, zorder=3, s=28)
    total = data.loc[data["breakdown"] == "", "estimate"]
    if len(total):
        axes.axvline(float(total.iloc[0]), color=OKABE_ITO["grey"], linestyle=":",
                     linewidth=1)
    for index in range(1, len(data)):
        if data["breakdown"].iloc[index] != data["breakdown"].iloc[index - 1]:
            axes.axhline(positions[index] + 0.5, color="#cccccc", linewidth=0.8)
    axes.set_yticks(positions, [wrap(t, 34) for t in texts])
    beside = blended_transform_factory(axes.transAxes, axes.transData)
    for position, row in zip(positions, data.itertuples(), strict=True):
        mark = f" {row.mark}" if isinstance(row.mark, str) and row.mark else ""
        number = format_percent(row.estimate, 0, language)
        text = f"({number})" if row.flag == "limited" else number
        axes.text(1.02, position, f"{text}{mark}", transform=beside, va="center",
                  fontsize=8)
        axes.text(1.16, position, f"n = {format_count(row.n, language)}", transform=beside,
                  va="center", fontsize=8, color="#555555")
    limit = float(np.nanmax(data["ci_high"])) if len(data) else 1.0
    axes.set_xlim(0, min(1.0, limit + 0.05))
    axes.set_ylim(-0.6, len(data) - 0.4)
    axes.xaxis.set_major_formatter(percent_formatter(language))
    axes.set_xlabel(_T[language]["share"])
    add_title(figure, title)
    figure.subplots_adjust(left=0.32, right=0.78, top=1 - 0.6 / height,
                           bottom=0.95 / height)
    add_caption(figure, caption)
    return figure


def intent_diverging(plt: Any, intent: pd.DataFrame, willing: pd.DataFrame | None,
                     labels: Labels, language: str, title: str, caption: str,
                     negative: int | None = None) -> Any:
    """The full intent scale as diverging stacked bars (Likert style), overall and by group.

    The levels below the midpoint go left, the others right; the whisker at the right end
    is the 95 % interval of the share on the right side (the willing-to-move share) where
    that table is given.
    """
    data = _shown(intent[intent["breakdown"].astype(str).str.count("×") == 0])
    levels = list(dict.fromkeys(data["level"]))
    negative = len(levels) // 2 if negative is None else negative
    domains = list(dict.fromkeys(zip(data["breakdown"], data["domain"], strict=True)))
    names_ = [_domain_text(data[(data["breakdown"] == b) & (data["domain"] == d)].iloc[0],
                           labels, language) for b, d in domains]
    height = 1.8 + 0.3 * len(domains) + 0.16 * _extra_lines(names_)
    figure, axes = _figure(plt, height)
    colours = DIVERGING if len(levels) == 4 else [
        plt.get_cmap("RdBu_r")(x) for x in np.linspace(0.1, 0.9, len(levels))]
    positions = np.arange(len(domains))[::-1]
    names = []
    for position, (breakdown, domain) in zip(positions, domains, strict=True):
        cells = data[(data["breakdown"] == breakdown) & (data["domain"] == domain)]
        shares = dict(zip(cells["level"], cells["estimate"], strict=True))
        row = cells.iloc[0]
        names.append(_domain_text(row, labels, language))
        left = -sum(shares.get(level, 0.0) for level in levels[:negative])
        for index, level in enumerate(levels):
            width = shares.get(level, 0.0)
            axes.barh(position, width, left=left, color=colours[index], height=0.7,
                      label=row_label(cells, level) if position == positions[0] else None)
            if width >= 0.06:
                axes.text(left + width / 2, position, format_number(width * 100, 0,
                                                                    language),
                          ha="center", va="center", fontsize=7,
                          color="white" if index in (0, len(levels) - 1) else "black")
            left += width
        if willing is not None:
            match = willing[(willing["breakdown"] == breakdown) & (willing["domain"] == domain)]
            match = _shown(match)
            if len(match):
                # in the gap above the bar, with end ticks, so it hides no number
                low, high = match["ci_low"].iloc[0], match["ci_high"].iloc[0]
                axes.hlines(position + 0.43, low, high, color="black", linewidth=1)
                axes.vlines([low, high], position + 0.36, position + 0.5, color="black",
                            linewidth=1)
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_yticks(positions, [wrap(n, 34) for n in names])
    ticks = np.arange(-1, 1.01, 0.25)
    axes.set_xticks(ticks)
    axes.xaxis.set_major_formatter(percent_formatter(language))
    axes.set_xticklabels([format_percent(abs(t), 0, language) for t in ticks])
    axes.set_xlim(-1, 1)
    for index in range(1, len(domains)):
        if domains[index][0] != domains[index - 1][0]:
            axes.axhline(positions[index] + 0.5, color="#cccccc", linewidth=0.8)
    handles, names_ = axes.get_legend_handles_labels()
    figure.legend(handles, names_, ncol=len(levels), loc="upper left",
                  bbox_to_anchor=(0.01, 1 - 0.42 / height), frameon=False, fontsize=8)
    add_title(figure, title)
    figure.subplots_adjust(left=0.32, right=0.97, top=1 - 0.85 / height, bottom=1.0 / height)
    add_caption(figure, caption)
    return figure


def row_label(cells: pd.DataFrame, level: str) -> str:
    """The label of a level as the rows give it."""
    match = cells.loc[cells["level"] == level, "level_label"]
    return str(match.iloc[0]) if len(match) else str(level)


def destination_shares(plt: Any, rows: pd.DataFrame, labels: Labels, language: str,
                       title: str, caption: str) -> Any:
    """Where those willing to move would go: shares with intervals, overall and by group."""
    data = _shown(rows)
    domains = list(dict.fromkeys(zip(data["breakdown"], data["domain"], strict=True)))
    levels = list(dict.fromkeys(data["level"]))
    height = 1.6 + 0.32 * len(domains) * max(1, len(levels)) / 2
    figure, axes = _figure(plt, height)
    palette = [OKABE_ITO[c] for c in ("blue", "orange", "green", "purple", "sky")]
    step = 0.8 / len(levels)
    for index, level in enumerate(levels):
        cells = data[data["level"] == level]
        y = [len(domains) - 1 - domains.index((b, d)) + 0.4 - step * (index + 0.5)
             for b, d in zip(cells["breakdown"], cells["domain"], strict=True)]
        axes.barh(y, cells["estimate"], height=step * 0.9, color=palette[index % 5],
                  label=row_label(cells, level))
        axes.hlines(y, cells["ci_low"], cells["ci_high"], color="black", linewidth=1)
    names = []
    for breakdown, domain in domains:
        row = data[(data["breakdown"] == breakdown) & (data["domain"] == domain)].iloc[0]
        limited = " ( )" if row.flag == "limited" else ""
        names.append(f"{_domain_text(row, labels, language)}{limited}")
    axes.set_yticks(np.arange(len(domains))[::-1], [wrap(n, 34) for n in names])
    axes.xaxis.set_major_formatter(percent_formatter(language))
    axes.set_xlim(0, 1)
    axes.set_xlabel(_T[language]["share"])
    handles, legend_names = axes.get_legend_handles_labels()
    figure.legend(handles, legend_names, ncol=len(levels), loc="upper left", frameon=False,
                  fontsize=8, bbox_to_anchor=(0.01, 1 - 0.4 / height))
    add_title(figure, title)
    figure.subplots_adjust(left=0.32, right=0.97, top=1 - 0.8 / height, bottom=0.9 / height)
    add_caption(figure, caption)
    return figure


def weighting_margins(plt: Any, margins: pd.DataFrame, labels: Labels, language: str,
                      title: str, caption: str) -> Any:
    """Sample shares before and after weighting against the population, per margin level."""
    text = _T[language]
    data = margins.reset_index(drop=True)
    variables = list(dict.fromkeys(data["variable"]))
    height = 1.6 + 0.22 * len(data) + 0.2 * len(variables)
    figure, axes = _figure(plt, height)
    positions = np.arange(len(data))[::-1]
    axes.scatter(data["population_share"], positions, marker="|", s=160,
                 color=OKABE_ITO["black"], label=text["population"], zorder=3)
    axes.scatter(data["before_share"], positions, color=OKABE_ITO["orange"], s=22,
                 label=text["before"], zorder=2)
    axes.scatter(data["after_share"], positions, color=OKABE_ITO["blue"], s=22, marker="D",
                 label=text["after"], zorder=2)
    names = []
    for variable, level in zip(data["variable"], data["level"], strict=True):
        parts = str(variable).split(" × ")
        values = str(level).split(" × ")
        if len(values) != len(parts):
            values = [str(level)] * len(parts)
        names.append(" × ".join(labels.concept(p) for p in parts) + ": " + " × ".join(
            labels.level(p, v) for p, v in zip(parts, values, strict=True)))
    axes.set_yticks(positions, [wrap(n, 44) for n in names], fontsize=7.5)
    for index in range(1, len(data)):
        if data["variable"].iloc[index] != data["variable"].iloc[index - 1]:
            axes.axhline(positions[index] + 0.5, color="#cccccc", linewidth=0.8)
    axes.xaxis.set_major_formatter(percent_formatter(language))
    axes.set_xlabel(_T[language]["share"])
    handles, legend_names = axes.get_legend_handles_labels()
    figure.legend(handles, legend_names, ncol=3, loc="upper left", frameon=False,
                  fontsize=8, bbox_to_anchor=(0.01, 1 - 0.4 / height))
    add_title(figure, title)
    figure.subplots_adjust(left=0.36, right=0.97, top=1 - 0.8 / height, bottom=0.9 / height)
    add_caption(figure, caption)
    return figure


def weight_distribution(plt: Any, weights: pd.DataFrame, bounds: Sequence[float] | None,
                        language: str, title: str, caption: str) -> Any:
    """Histogram of the final weights relative to their mean, with the trimming bounds."""
    import seaborn as sns

    text = _T[language]
    relative = weights["weight"] / weights["weight"].mean()
    figure, axes = _figure(plt, 3.6)
    sns.histplot(x=relative, bins=40, color=OKABE_ITO["blue"], ax=axes)
    for bound in bounds or []:
        axes.axvline(bound, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1)
    if bounds:
        axes.text(bounds[-1], axes.get_ylim()[1] * 0.95, f"{text['trim']} ",
                  color=OKABE_ITO["vermillion"], fontsize=8, va="top", ha="right")
    axes.set_xlabel(f"{text['weight']} / {text['mean']}")
    axes.set_ylabel(text["count"])
    axes.xaxis.set_major_formatter(number_formatter(language, 1))
    add_title(figure, title)
    figure.subplots_adjust(left=0.1, right=0.97, top=0.88, bottom=0.27)
    add_caption(figure, caption)
    return figure


def parameter_label(parameter: str, labels: Labels) -> str:
    """``age_group18-29`` → "Altersgruppe: 18-29" (longest concept name that prefixes it)."""
    names = sorted((name for name in labels.concepts if parameter.startswith(name)),
                   key=len, reverse=True)
    if not names:
        return parameter
    name = names[0]
    rest = parameter[len(name):]
    if not rest:
        return labels.concept(name)
    return f"{labels.concept(name)}: {labels.level(name, rest)}"


def _separated(data: pd.DataFrame, key: str) -> set[str]:
    """Rows the model step flagged as not estimable (separation): drawn without a point."""
    if "flag" not in data.columns:
        return set()
    return set(data.loc[data["flag"].fillna("").astype(str) == "separation", key].astype(str))


def odds_ratio_forest(plt: Any, odds: pd.DataFrame, labels: Labels, language: str,
                      title: str, caption: str) -> Any:
    """Odds ratios with 95 % intervals (log scale), complete cases and pooled over MI."""
    text = _T[language]
    data = odds[odds["parameter"] != "(Intercept)"].copy()
    models = list(dict.fromkeys(data["model"]))
    parameters = list(dict.fromkeys(data["parameter"]))
    height = 1.6 + 0.3 * len(parameters)
    figure, axes = _figure(plt, height)
    colours = [OKABE_ITO["blue"], OKABE_ITO["orange"]]
    offsets = np.linspace(-0.15, 0.15, len(models)) if len(models) > 1 else [0.0]
    for index, model in enumerate(models):
        part = data[data["model"] == model].set_index("parameter").reindex(parameters)
        y = np.arange(len(parameters))[::-1] + offsets[index]
        name = text["pooled"] if "pooled" in model else text["complete"]
        axes.hlines(y, part["ci_low"], part["ci_high"], color=colours[index % 2], linewidth=2)
        axes.scatter(part["odds_ratio"], y, color=colours[index % 2], s=24, zorder=3,
                     label=name)
    axes.axvline(1, color="black", linewidth=0.8)
    axes.set_xscale("log")
    from matplotlib.ticker import FixedLocator, NullFormatter

    low = float(np.nanmin(data["ci_low"]))
    high = float(np.nanmax(data["ci_high"]))
    ticks = [t for t in (0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20) if low / 1.5 <= t <= high * 1.5]
    axes.xaxis.set_major_locator(FixedLocator(ticks))
    axes.xaxis.set_major_formatter(number_formatter(language, 1))
    axes.xaxis.set_minor_formatter(NullFormatter())
    separated = _separated(data, "parameter")
    axes.set_yticks(np.arange(len(parameters))[::-1],
                    [wrap(parameter_label(p, labels)
                          + (f" – {text['separation']}" if p in separated else ""), 34)
                     for p in parameters])
    axes.set_xlabel(text["odds"])
    handles, names = axes.get_legend_handles_labels()
    figure.legend(handles, names, ncol=len(models), loc="upper left", frameon=False,
                  fontsize=8, bbox_to_anchor=(0.01, 1 - 0.4 / height))
    add_title(figure, title)
    room = max(0.9, 0.5 + 0.13 * caption_lines(figure, caption))  # caption and axis label
    figure.subplots_adjust(left=0.34, right=0.97, top=1 - 0.8 / height, bottom=room / height)
    add_caption(figure, caption)
    return figure


def ame_plot(plt: Any, ame: pd.DataFrame, labels: Labels, language: str, title: str,
             caption: str) -> Any:
    """Average marginal effects in percentage points with 95 % intervals."""
    data = ame.reset_index(drop=True)
    height = 1.6 + 0.3 * len(data)
    figure, axes = _figure(plt, height)
    y = np.arange(len(data))[::-1]
    colours = [OKABE_ITO["vermillion"] if low > 0 else OKABE_ITO["blue"] if high < 0
               else OKABE_ITO["grey"] for low, high in zip(data["ci_low"], data["ci_high"],
                                                            strict=True)]
    axes.hlines(y, data["ci_low"], data["ci_high"], color=colours, linewidth=2)
    axes.scatter(data["ame"], y, color=colours, s=26, zorder=3)
    axes.axvline(0, color="black", linewidth=0.8)
    names = []
    for row in data.itertuples():
        contrast = str(row.contrast)
        if " vs " in contrast:
            high, low = contrast.split(" vs ", 1)
            contrast = (f"{labels.level(row.variable, high)} vs. "
                        f"{labels.level(row.variable, low)}")
        elif labels.kind(row.variable) != "binary":
            contrast = "+1" if language == "en" else "+1 Einheit"
        name = (f"{labels.concept(row.variable)}: {contrast}"
                if labels.kind(row.variable) != "binary" else labels.concept(row.variable))
        if str(getattr(row, "flag", "") or "") == "separation":
            name += f" – {_T[language]['separation']}"
        names.append(name)
    axes.set_yticks(y, [wrap(n, 34) for n in names])
    axes.xaxis.set_major_formatter(number_formatter(language, 0))
    axes.set_xlabel(_T[language]["ame"])
    add_title(figure, title)
    room = max(0.9, 0.5 + 0.13 * caption_lines(figure, caption))  # caption and axis label
    figure.subplots_adjust(left=0.36, right=0.97, top=1 - 0.55 / height, bottom=room / height)
    add_caption(figure, caption)
    return figure


def predicted_probabilities(plt: Any, predictions: pd.DataFrame, labels: Labels,
                            language: str, title: str, caption: str) -> Any:
    """Average predicted probabilities with intervals: bands over a numeric predictor,
    dodged point ranges over a categorical one; one colour per level of the second."""
    x, hue = predictions["x"].iloc[0], predictions["hue"].iloc[0]
    numeric = labels.kind(x) in ("numeric", "scale")
    figure, axes = _figure(plt, 3.8, 7.0)
    hues = list(dict.fromkeys(predictions["hue_value"])) if hue else [""]
    palette = [OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["green"], OKABE_ITO["purple"]]
    categories = list(dict.fromkeys(predictions["x_value"]))
    for index, value in enumerate(hues):
        part = predictions[predictions["hue_value"] == value] if hue else predictions
        name = labels.level(hue, value) if hue else None
        label = f"{labels.concept(hue)}: {name}" if hue else None
        colour = palette[index % len(palette)]
        if numeric:
            xs = part["x_value"].astype(float)
            axes.plot(xs, part["estimate"], color=colour, label=label)
            axes.fill_between(xs, part["ci_low"], part["ci_high"], color=colour, alpha=0.2)
        else:
            offset = (index - (len(hues) - 1) / 2) * 0.18
            xs = np.array([categories.index(v) for v in part["x_value"]]) + offset
            axes.vlines(xs, part["ci_low"], part["ci_high"], color=colour, linewidth=2)
            axes.scatter(xs, part["estimate"], color=colour, s=26, zorder=3, label=label)
    if numeric:
        axes.xaxis.set_major_formatter(number_formatter(language, 1))
    else:
        axes.set_xticks(range(len(categories)),
                        [labels.level(x, c) for c in categories])
    axes.set_xlabel(labels.concept(x))
    axes.set_ylabel(_T[language]["probability"])
    axes.yaxis.set_major_formatter(percent_formatter(language))
    axes.set_ylim(0, 1)
    if hue:
        axes.legend(frameon=False, fontsize=8)
    add_title(figure, title)
    figure.subplots_adjust(left=0.12, right=0.97, top=0.88, bottom=0.28)
    add_caption(figure, caption)
    return figure


def _place_labels(figure: Any, axes: Any, xs: np.ndarray, ys: np.ndarray,
                  texts: Sequence[str]) -> None:
    """Label points without overlaps: each label takes the first of a few positions
    around its point whose box touches no label placed before it."""
    renderer = figure.canvas.get_renderer()
    placed: list[Any] = []
    candidates = [((6, 4), "left", "bottom"), ((6, -4), "left", "top"),
                  ((-6, 4), "right", "bottom"), ((-6, -4), "right", "top"),
                  ((0, 9), "center", "bottom"), ((0, -9), "center", "top")]
    for x, y, text in sorted(zip(xs, ys, texts, strict=True), key=lambda t: -t[1]):
        for offset, ha, va in candidates:
            label = axes.annotate(text, (x, y), xytext=offset, textcoords="offset points",
                                  fontsize=8, ha=ha, va=va)
            box = label.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                placed.append(box)
                break
            label.remove()
        else:
            label = axes.annotate(text, (x, y), xytext=candidates[0][0],
                                  textcoords="offset points", fontsize=8)
            placed.append(label.get_window_extent(renderer))


def priority_matrix_plot(plt: Any, matrix: pd.DataFrame, labels: Labels, language: str,
                         title: str, caption: str) -> Any:
    """Items by share dissatisfied (x) and importance (y, pp), quadrants labelled."""
    text = _T[language]
    data = matrix[matrix["flag"].fillna("") == ""].reset_index(drop=True)
    figure, axes = _figure(plt, 6.0, 8.0)
    x_threshold = float(matrix["x_threshold"].iloc[0])
    y_threshold = float(matrix["y_threshold"].iloc[0]) * 100
    colours = [OKABE_ITO["vermillion"] if q == "critical" else OKABE_ITO["blue"]
               for q in data["quadrant"]]
    axes.errorbar(data["share_dissatisfied"], data["importance"] * 100,
                  xerr=[data["share_dissatisfied"] - data["share_ci_low"],
                        data["share_ci_high"] - data["share_dissatisfied"]],
                  yerr=[(data["importance"] - data["importance_ci_low"]) * 100,
                        (data["importance_ci_high"] - data["importance"]) * 100],
                  fmt="none", ecolor="#bbbbbb", elinewidth=1, zorder=1)
    axes.scatter(data["share_dissatisfied"], data["importance"] * 100, c=colours, s=40,
                 zorder=3)
    _place_labels(figure, axes, data["share_dissatisfied"].to_numpy(),
                  (data["importance"] * 100).to_numpy(),
                  [wrap(label, 22) for label in data["item_label"]])
    axes.axvline(x_threshold, color=OKABE_ITO["grey"], linestyle="--", linewidth=1)
    axes.axhline(y_threshold, color=OKABE_ITO["grey"], linestyle="--", linewidth=1)
    axes.axhline(0, color="black", linewidth=0.6)
    x_low, x_high = axes.get_xlim()
    y_low, y_high = axes.get_ylim()
    corners = {"critical": (x_high, y_high, "right", "top"),
               "maintain": (x_low, y_high, "left", "top"),
               "irritant": (x_high, y_low, "right", "bottom"),
               "low": (x_low, y_low, "left", "bottom")}
    for quadrant, (qx, qy, ha, va) in corners.items():
        axes.text(qx, qy, text[quadrant], ha=ha, va=va, fontsize=8, style="italic",
                  color=OKABE_ITO["vermillion"] if quadrant == "critical" else "#555555")
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_formatter(percent_formatter(language))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(number_formatter(language, 0))
    axes.set_xlabel(text["dissatisfied"])
    axes.set_ylabel(wrap(text["importance"], 40))
    add_title(figure, title)
    figure.subplots_adjust(left=0.13, right=0.97, top=0.92, bottom=0.17)
    add_caption(figure, caption)
    return figure
