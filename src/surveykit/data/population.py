"""Official population series: read and checked, so a trend is computed, never assumed.

A series is a CSV with one row per year and area: ``year, area, level, population,
source`` and an optional ``note`` (boundary changes, census revisions). ``level`` is
``municipality``, ``district`` or ``state``; each level has exactly one area (the surveyed
town or Verbandsgemeinde, its district, its Land). Every area must cover the same run of
years without a gap, the base year included. A series that breaks any of this is refused
with the file, the line and what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from surveykit._core.errors import ConfigError
from surveykit._core.messages import shorten

__all__ = ["LEVELS", "PopulationSeries", "read_population_series"]

LEVELS = ("municipality", "district", "state")
REQUIRED = ("year", "area", "level", "population", "source")


@dataclass(frozen=True)
class PopulationSeries:
    """A checked series: ``table`` (year × level populations), the areas by level, the
    base year, the sources and the notes per year."""

    table: pd.DataFrame
    areas: dict[str, str]
    base_year: int
    sources: list[str]
    notes: dict[int, str]

    def index(self) -> pd.DataFrame:
        """Population relative to the base year (= 100), per level."""
        return self.table / self.table.loc[self.base_year] * 100

    def change(self, start: int, end: int) -> pd.Series:
        """Relative change from ``start`` to ``end`` per level (−0.059 for −5.9 %)."""
        return self.table.loc[end] / self.table.loc[start] - 1


def read_population_series(path: str | Path, base_year: int) -> PopulationSeries:
    """Read and check an official population series (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: population series not found; check population.file in "
                          "the survey config")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the population series as CSV: "
                          f"{shorten(str(error))}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ConfigError(f"{path}: the population series needs the columns "
                          f"{', '.join(REQUIRED)} (and optionally note); missing: "
                          f"{', '.join(missing)}")
    if frame.empty:
        raise ConfigError(f"{path}: the population series has no rows")
    for line, row in enumerate(frame.itertuples(index=False), start=2):
        if row.level not in LEVELS:
            raise ConfigError(f"{path}, line {line}: level {shorten(row.level)} is not one "
                              f"of {', '.join(LEVELS)}")
        if not row.year.strip().isdigit():
            raise ConfigError(f"{path}, line {line}: year {shorten(row.year)} is not a year")
        try:
            value = float(row.population)
        except ValueError:
            value = float("nan")
        if not value > 0:
            raise ConfigError(f"{path}, line {line}: population {shorten(row.population)} "
                              "is not a positive number (no thousands separators)")
    frame["year"] = frame["year"].astype(int)
    frame["population"] = frame["population"].astype(float)
    areas: dict[str, str] = {}
    for level, part in frame.groupby("level", sort=False):
        names = list(dict.fromkeys(part["area"]))
        if len(names) != 1:
            raise ConfigError(f"{path}: level {level!r} has {len(names)} areas "
                              f"({', '.join(map(repr, names[:4]))}); give one area per level "
                              "(the surveyed area, its district, its state)")
        areas[str(level)] = names[0]
    for area, part in frame.groupby("area", sort=False):
        levels = sorted(set(part["level"]))
        if len(levels) != 1:
            raise ConfigError(f"{path}: area {area!r} appears at levels {levels}; each area "
                              "belongs to one level")
    duplicated = frame[frame.duplicated(["area", "year"], keep=False)]
    if len(duplicated):
        first = duplicated.iloc[0]
        lines = [str(i + 2) for i in duplicated.index[:2]]
        raise ConfigError(f"{path}, lines {' and '.join(lines)}: {first['area']!r} has the "
                          f"year {first['year']} twice; keep one row per area and year")
    years = {area: sorted(part["year"]) for area, part in frame.groupby("area")}
    reference = years[areas[LEVELS[0]]] if LEVELS[0] in areas else next(iter(years.values()))
    for area, found in years.items():
        gaps = [y for y in range(found[0], found[-1] + 1) if y not in found]
        if gaps:
            raise ConfigError(f"{path}: {area!r} has no row for {gaps[0]}"
                              f"{' …' if len(gaps) > 1 else ''} (a gap in the series); add "
                              "the year or start the series after it")
    for area, found in years.items():
        if found != reference:
            raise ConfigError(f"{path}: {area!r} covers {found[0]}–{found[-1]} but "
                              f"{areas.get(LEVELS[0], 'the first area')!r} covers "
                              f"{reference[0]}–{reference[-1]}; give every area the same years")
    if base_year not in reference:
        raise ConfigError(f"{path}: the base year {base_year} (population.base_year) is not "
                          f"in the series ({reference[0]}–{reference[-1]}); choose a year "
                          "the series has")
    table = frame.pivot(index="year", columns="level", values="population")
    table = table[[level for level in LEVELS if level in table.columns]]
    notes = {int(row.year): str(row.note) for row in frame.itertuples(index=False)
             if "note" in frame.columns and str(getattr(row, "note", "")).strip()}
    return PopulationSeries(table=table, areas=areas, base_year=int(base_year),
                            sources=sorted(set(frame["source"])), notes=notes)
