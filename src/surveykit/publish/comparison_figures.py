"""Figures of the comparison: surveys side by side, and a survey's areas side by side.

Each function takes the rows `surveykit.publish.comparison` built and returns a matplotlib
figure in the project's style (`figure_style`); `pipeline.compare` saves them. Suppressed
cells are never drawn (their "/" is written instead), and a survey that did not collect the
indicator is listed with "–", so a reader sees who is missing rather than a gap.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from surveykit.publish.comparison_text import TEXT, p_text, test_name
from surveykit.publish.figure_style import (
    DIVERGING,
    OKABE_ITO,
    add_caption,
    add_title,
    number_formatter,
    percent_formatter,
    wrap,
)
from surveykit.publish.formats import format_count, format_number, format_percent

__all__ = ["area_panels", "survey_forest", "survey_stacked"]

_T = {"de": {"share": "Anteil (95-%-Konfidenzintervall)",
             "mean": "Mittelwert (95-%-Konfidenzintervall)", "all": "Mittel aller Befragungen",
             "total": "insgesamt", "share_levels": "Anteil"},
      "en": {"share": "Share (95% confidence interval)",
             "mean": "Mean (95% confidence interval)", "all": "mean of all surveys",
             "total": "overall", "share_levels": "Share"}}


def _value_text(value: float, numeric: bool, language: str, limited: bool) -> str:
    text = format_number(value, 2, language) if numeric else format_percent(value, 0,
                                                                             language)
    return f"({text})" if limited else text


def survey_forest(plt: Any, rows: pd.DataFrame, language: str, title: str,
                  caption: str) -> Any:
    """One share or mean per survey: dot and 95 % interval, the value, mark and n beside it,
    the unweighted mean of the surveys as a dotted line; "–" for not collected, "/" for
    suppressed. More than six surveys are sorted by their value."""
    from matplotlib.transforms import blended_transform_factory

    numeric = str(rows["kind"].dropna().iloc[0]) in ("scale", "numeric")
    data = rows.reset_index(drop=True)
    if len(data) > 6:
        data = data.assign(_key=data["estimate"].fillna(-np.inf)).sort_values(
            "_key", ascending=False, kind="stable").reset_index(drop=True)
    texts = [wrap(label, 30) for label in data["survey_label"]]
    extra = sum(text.count("\n") for text in texts)
    # inches: title and legend above, axis label and caption below, rows in between
    height = 2.1 + 0.42 * len(data) + 0.2 * extra
    figure, axes = plt.subplots(figsize=(8.0, height))
    positions = np.arange(len(data))[::-1]
    shown = data["estimate"].notna()
    axes.hlines(positions[shown], data.loc[shown, "ci_low"], data.loc[shown, "ci_high"],
                color=OKABE_ITO["blue"], linewidth=2)
    axes.scatter(data.loc[shown, "estimate"], positions[shown], color=OKABE_ITO["blue"],
                 zorder=3, s=30)
    if shown.sum() > 1:
        axes.axvline(float(data.loc[shown, "estimate"].mean()), color=OKABE_ITO["grey"],
                     linestyle=":", linewidth=1, label=_T[language]["all"])
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False,
                    fontsize=8)
    axes.set_yticks(positions, texts)
    beside = blended_transform_factory(axes.transAxes, axes.transData)
    for position, row in zip(positions, data.itertuples(), strict=True):
        if row.status in ("not_collected", "not_tabulated"):
            text = f"–  {row.note}"
        elif row.status == "suppressed":
            text = "/"
        else:
            mark = f" {row.mark}" if isinstance(row.mark, str) and row.mark else ""
            text = _value_text(row.estimate, numeric, language, row.flag == "limited") + mark
            axes.text(1.17, position, f"n = {format_count(row.n, language)}",
                      transform=beside, va="center", fontsize=8, color="#555555")
        axes.text(1.02, position, text, transform=beside, va="center", fontsize=8)
    if numeric:
        low = float(np.nanmin(data["ci_low"])) if shown.any() else 0.0
        high = float(np.nanmax(data["ci_high"])) if shown.any() else 1.0
        pad = 0.1 * (high - low or 1.0)
        axes.set_xlim(low - pad, high + pad)
        axes.xaxis.set_major_formatter(number_formatter(language, 2))
        axes.set_xlabel(_T[language]["mean"])
    else:
        high = float(np.nanmax(data["ci_high"])) if shown.any() else 1.0
        axes.set_xlim(0, min(1.0, high + 0.05))
        axes.xaxis.set_major_formatter(percent_formatter(language))
        axes.set_xlabel(_T[language]["share"])
    axes.set_ylim(-0.6, len(data) - 0.4)
    add_title(figure, title)
    figure.subplots_adjust(left=0.3, right=0.74, top=1 - 0.8 / height, bottom=1.1 / height)
    add_caption(figure, caption)
    return figure


def survey_stacked(plt: Any, rows: pd.DataFrame, language: str, title: str,
                   caption: str) -> Any:
    """The levels of an ordinal or categorical indicator per survey as 100 % bars, each
    segment labelled with its share (segments under 5 % unlabelled); "–" and "/" as text."""
    levels = list(dict.fromkeys(rows.loc[rows["level"] != "", "level"]))
    level_labels = [str(rows.loc[rows["level"] == lv, "level_label"].iloc[0]) for lv in levels]
    surveys = list(dict.fromkeys(rows["survey"]))
    height = 1.9 + 0.45 * len(surveys)
    figure, axes = plt.subplots(figsize=(8.0, height))
    colours = _level_colours(len(levels))
    positions = np.arange(len(surveys))[::-1]
    names = []
    for position, survey in zip(positions, surveys, strict=True):
        part = rows[rows["survey"] == survey]
        names.append(str(part["survey_label"].iloc[0]))
        if part["estimate"].notna().sum() == 0:
            status = part["status"].iloc[0]
            axes.text(0.01, position, "–  " + str(part["note"].iloc[0])
                      if status in ("not_collected", "not_tabulated") else "/",
                      va="center", fontsize=8)
            continue
        left = 0.0
        for index, level in enumerate(levels):
            match = part[part["level"] == level]
            value = float(match["estimate"].iloc[0]) if len(match) else np.nan
            if not np.isfinite(value):
                continue
            axes.barh(position, value, left=left, color=colours[index], height=0.6,
                      label=level_labels[index] if position == positions[0] else None)
            if value >= 0.05:
                axes.text(left + value / 2, position, format_percent(value, 0, language),
                          ha="center", va="center", fontsize=7.5,
                          color="white" if index in (0, len(levels) - 1) else "black")
            left += value
    axes.set_yticks(positions, [wrap(name, 30) for name in names])
    axes.set_xlim(0, 1)
    axes.xaxis.set_major_formatter(percent_formatter(language))
    axes.set_xlabel(_T[language]["share_levels"])
    handles, labels = axes.get_legend_handles_labels()
    if not handles:  # the first survey lacks the indicator: build the legend by hand
        from matplotlib.patches import Patch

        handles = [Patch(color=c) for c in colours]
        labels = level_labels
    figure.legend(handles, [wrap(label, 18) for label in labels], loc="upper center",
                  bbox_to_anchor=(0.5, 1 - 0.35 / height), ncol=min(len(levels), 5),
                  frameon=False, fontsize=7.5)
    add_title(figure, title)
    figure.subplots_adjust(left=0.3, right=0.97, top=1 - 0.8 / height, bottom=1.0 / height)
    add_caption(figure, caption)
    return figure


def _level_colours(count: int) -> list[str]:
    if count == len(DIVERGING):
        return list(DIVERGING)
    import seaborn as sns

    return list(sns.color_palette("RdYlBu_r", count).as_hex())


def area_panels(plt: Any, rows: pd.DataFrame, language: str, title: str,
                caption: str) -> Any:
    """A survey's areas side by side: one panel per share or mean indicator, each area's
    estimate with its interval and mark, the survey's overall value as a dotted line,
    "/" for suppressed areas; the panel title carries the test across the areas."""
    from matplotlib.transforms import blended_transform_factory

    indicators = list(dict.fromkeys(rows["indicator"]))
    areas = list(dict.fromkeys(rows.loc[rows["area"] != "", "area"]))
    area_labels = [str(rows.loc[rows["area"] == a, "area_label"].iloc[0]) for a in areas]
    height = 1.9 + (0.32 * len(areas) + 0.9) * len(indicators)
    figure, axes_list = plt.subplots(len(indicators), 1, figsize=(8.0, height), squeeze=False)
    positions = np.arange(len(areas))[::-1]
    for axes, indicator in zip(axes_list[:, 0], indicators, strict=True):
        part = rows[rows["indicator"] == indicator]
        numeric = str(part["kind"].iloc[0]) in ("scale", "numeric")
        beside = blended_transform_factory(axes.transAxes, axes.transData)
        overall = part[part["area"] == ""]
        if len(overall) and np.isfinite(overall["estimate"].iloc[0]):
            axes.axvline(float(overall["estimate"].iloc[0]), color=OKABE_ITO["grey"],
                         linestyle=":", linewidth=1)
        for position, area in zip(positions, areas, strict=True):
            row = part[part["area"] == area]
            if not len(row) or not np.isfinite(row["estimate"].iloc[0]):
                axes.text(1.02, position, "/", transform=beside, va="center", fontsize=8)
                continue
            record = row.iloc[0]
            axes.hlines(position, record["ci_low"], record["ci_high"],
                        color=OKABE_ITO["blue"], linewidth=2)
            axes.scatter([record["estimate"]], [position], color=OKABE_ITO["blue"], s=26,
                         zorder=3)
            mark = f" {record['mark']}" if record["mark"] else ""
            axes.text(1.02, position, _value_text(record["estimate"], numeric, language,
                                                  record["flag"] == "limited") + mark,
                      transform=beside, va="center", fontsize=8)
            axes.text(1.15, position, f"n = {format_count(record['n'], language)}",
                      transform=beside, va="center", fontsize=8, color="#555555")
        axes.set_yticks(positions, [wrap(label, 26) for label in area_labels])
        axes.set_ylim(-0.6, len(areas) - 0.4)
        test = _test_text(part, language)
        axes.set_title(wrap(f"{part['indicator_label'].iloc[0]}{test}", 70), loc="left",
                       fontsize=9.5)
        if numeric:
            axes.xaxis.set_major_formatter(number_formatter(language, 1))
        else:
            high = float(np.nanmax(part["ci_high"])) if part["ci_high"].notna().any() else 1
            axes.set_xlim(0, min(1.0, high + 0.05))
            axes.xaxis.set_major_formatter(percent_formatter(language))
    add_title(figure, title)
    figure.subplots_adjust(left=0.24, right=0.8, top=1 - 0.75 / height, bottom=1.0 / height,
                           hspace=0.9 / max(1, len(indicators)) + 0.35)
    add_caption(figure, caption)
    return figure


def _test_text(part: pd.DataFrame, language: str) -> str:
    """" — Rao-Scott-Test über die Gebiete: p < 0,001" (Wald test for means)."""
    p_value = part["test_p_value"].iloc[0]
    if not np.isfinite(p_value):
        return ""
    return " — " + TEXT[language]["area_test"].format(
        method=test_name(part["test"].iloc[0], language), p=p_text(p_value, language))
