"""The population trend: an index chart and the sentence computed from the series.

Whether a town held its population "against the trend of Land and Kreis" is read off the
official series, base year = 100, never asserted.
"""

from __future__ import annotations

from typing import Any

from surveykit.data.population import PopulationSeries
from surveykit.publish.figure_style import OKABE_ITO, add_caption, add_title, number_formatter
from surveykit.publish.formats import format_number

__all__ = ["population_trend", "trend_sentence"]

_LEVEL_COLOURS = {"municipality": OKABE_ITO["vermillion"], "district": OKABE_ITO["blue"],
                  "state": OKABE_ITO["grey"]}


def _signed_percent(change: float, language: str) -> str:
    number = format_number(abs(change) * 100, 1, language)
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    return f"{sign}{number} %" if language == "de" else f"{sign}{number}%"


def trend_sentence(series: PopulationSeries, language: str = "de") -> str:
    """"2015–2024: −7,2 % in <area> gegenüber −5,7 % im Kreis und −4,1 % im Land." """
    start, end = series.base_year, int(series.table.index.max())
    change = series.change(start, end)
    own = series.areas.get("municipality") or next(iter(series.areas.values()))
    parts = []
    if "district" in change:
        parts.append(f"{_signed_percent(change['district'], language)} im Kreis"
                      if language == "de" else
                      f"{_signed_percent(change['district'], language)} in the district")
    if "state" in change:
        parts.append(f"{_signed_percent(change['state'], language)} im Land"
                      if language == "de" else
                      f"{_signed_percent(change['state'], language)} in the state")
    first = change.get("municipality", change.iloc[0])
    joiner = " und " if language == "de" else " and "
    if language == "de":
        return (f"{start}–{end}: {_signed_percent(first, language)} in {own}"
                + (f" gegenüber {joiner.join(parts)}" if parts else "") + ".")
    return (f"{start}–{end}: {_signed_percent(first, language)} in {own}"
            + (f" against {joiner.join(parts)}" if parts else "") + ".")


def population_trend(plt: Any, series: PopulationSeries, language: str, title: str,
                     caption: str) -> Any:
    """Index chart (base year = 100) of the area against its district and state."""
    figure, axes = plt.subplots(figsize=(8.0, 4.2))
    index = series.index()
    for level in index.columns:
        axes.plot(index.index, index[level], marker="o", markersize=3,
                  color=_LEVEL_COLOURS.get(level, OKABE_ITO["black"]),
                  linewidth=2.4 if level == "municipality" else 1.6,
                  label=series.areas[level])
    axes.axhline(100, color="black", linewidth=0.6)
    axes.axvline(series.base_year, color="#999999", linestyle=":", linewidth=1)
    for year, note in series.notes.items():
        axes.annotate(note, (year, axes.get_ylim()[0]), xytext=(0, 6),
                      textcoords="offset points", fontsize=7, color="#555555",
                      ha="center")
    axes.yaxis.set_major_formatter(number_formatter(language, 0))
    axes.set_ylabel(f"Index ({series.base_year} = 100)")
    axes.xaxis.set_major_locator(__import__("matplotlib.ticker").ticker.MaxNLocator(
        integer=True))
    handles, names = axes.get_legend_handles_labels()
    figure.legend(handles, names, ncol=1, loc="upper left", frameon=False, fontsize=8,
                  bbox_to_anchor=(0.01, 0.9))
    add_title(figure, title)
    figure.subplots_adjust(left=0.1, right=0.97, top=0.72, bottom=0.22)
    add_caption(figure, caption)
    return figure
