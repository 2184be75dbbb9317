"""Population margins: read ``config/margins/*.csv``, check them against the data, and code
them onto the table of cells that raking, post-stratification and calibration work on.

A margins file has one or more concept columns and a ``population`` column. One concept
column gives a one-way margin ``{"municipality": {"Bergstedt": 6200, …}}``; several give a
joint margin keyed by the tuple of columns, with tuple levels:
``{("age_group", "sex"): {("18-29", "male"): 1632, …}}`` — the format of
`surveykit.weighting.rake`.

Levels match the data as codes do elsewhere (`surveykit.recode.code_key`: ``"1"`` matches the
number 1). Nothing is dropped silently: a level in the data but not in the margins, a level
with a population count but no respondents, a missing value in a margin variable and margins
with different totals stop with an error naming the file, variable and level and the fix.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from surveykit._core.codes import code_key, format_code
from surveykit._core.errors import ArgumentError, ConfigError, DataError, SurveyError
from surveykit._core.messages import did_you_mean
from surveykit.weighting.weight_diagnostics import check_design_weights, check_totals

__all__ = [
    "CellTable",
    "CodedMargin",
    "Margins",
    "check_margins",
    "code_margins",
    "margin_key",
    "margin_name",
    "read_margins",
    "totals_of",
]


def totals_of(coded: Iterable[CodedMargin]) -> list[tuple[str, str | None, float]]:
    """``(name, source, total)`` of coded margins, for `check_totals`."""
    return [(m.name, m.source, float(m.population.sum())) for m in coded]

MarginKey = str | tuple[str, ...]

#: Largest cell grid (product of the numbers of levels) used directly; beyond it only the
#: combinations present in the data become cells.
_GRID_LIMIT = 1 << 20


class Margins(dict):
    """Margins in rake format that remember the file each margin came from (``.sources``)."""

    def __init__(self, margins: Mapping[MarginKey, Mapping[Any, float]] = (),
                 sources: Mapping[MarginKey, str] | None = None) -> None:
        super().__init__(margins)
        self.sources: dict[MarginKey, str] = dict(sources or {})


def margin_name(key: MarginKey) -> str:
    """Display name of a margin: ``"stype"`` or ``"age_group × sex"``."""
    return key if isinstance(key, str) else " × ".join(key)


def _level_text(level: Any) -> str:
    if isinstance(level, tuple):
        return " × ".join(format_code(v) for v in level)
    return format_code(level)


def _mistake(source: str | None) -> type[SurveyError]:
    """A margin from a file is a config mistake; one passed to the API is a bad argument."""
    return ConfigError if source else ArgumentError


def _in(source: str | None) -> str:
    return f" ({source})" if source else ""


def _where(key: MarginKey, sources: Mapping[MarginKey, str]) -> str:
    return _in(sources.get(key))


def _source_map(margins: Any, source: Any) -> dict[MarginKey, str]:
    """Per margin the file it came from, from ``source`` or the margins' own ``.sources``."""
    found: dict[MarginKey, str] = dict(getattr(margins, "sources", {}) or {})
    if isinstance(source, Mapping):
        found.update({margin_key(k): str(v) for k, v in source.items()})
    elif source is not None:
        found.update({margin_key(k): str(source) for k in margins})
    return found


def margin_key(key: Any) -> MarginKey:
    """A margin key as used internally: a variable name, or a tuple of two or more."""
    if isinstance(key, str):
        return key
    if isinstance(key, (tuple, list)) and key and all(isinstance(k, str) for k in key):
        return key[0] if len(key) == 1 else tuple(key)
    raise ArgumentError(f"margin key {key!r} is not a variable name or a tuple of variable "
                      "names; write {'sex': {...}} or {('age_group', 'sex'): {...}}")


@dataclass(frozen=True)
class _Spec:
    key: MarginKey
    variables: tuple[str, ...]
    levels: tuple
    population: np.ndarray


def _normalise(margins: Mapping[Any, Any], sources: Mapping[MarginKey, str],
               purpose: str) -> list[_Spec]:
    if not isinstance(margins, Mapping) or not margins:
        raise _mistake(next(iter(sources.values()), None))(
            f"{purpose}: margins must be a non-empty mapping "
                          "{variable: {level: population count}}")
    specs = []
    for raw_key, table in margins.items():
        key = margin_key(raw_key)
        variables = (key,) if isinstance(key, str) else key
        where = f"{purpose}: margin {margin_name(key)!r}{_where(key, sources)}"
        if isinstance(table, pd.Series):
            table = table.to_dict()
        if not isinstance(table, Mapping) or not table:
            raise _mistake(sources.get(key))(f"{where} must map each level to its population count")
        levels, counts = [], []
        for level, count in table.items():
            if len(variables) > 1 and not (isinstance(level, (tuple, list))
                                           and len(level) == len(variables)):
                raise _mistake(sources.get(key))(f"{where}: level {level!r} must be a tuple of "
                                  f"{len(variables)} values, one per variable")
            try:
                value = float(count)
            except (TypeError, ValueError):
                value = math.nan
            if not math.isfinite(value) or value < 0:
                raise _mistake(sources.get(key))(f"{where}: the population count of level "
                                  f"{_level_text(level)!r} is {count!r}; give a "
                                  "non-negative number")
            levels.append(tuple(level) if len(variables) > 1 else level)
            counts.append(value)
        seen: set = set()
        for level in levels:
            if _match_key(level) in seen:
                raise _mistake(sources.get(key))(
                    f"{where}: level {_level_text(level)!r} is listed twice; give each "
                    "level once")
            seen.add(_match_key(level))
        population = np.asarray(counts, dtype=float)
        if population.sum() <= 0:
            raise _mistake(sources.get(key))(f"{where}: the population counts sum to zero")
        specs.append(_Spec(key, variables, tuple(levels), population))
    return specs


def _match_key(level: Any) -> Any:
    if isinstance(level, tuple):
        return tuple(code_key(v) for v in level)
    return code_key(level)


def _factorise(values: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes (−1 for missing) and the distinct values they stand for."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        # Kept in the categorical's own small integer type: converting a million codes to
        # int64 costs more than the whole fit.
        return values.cat.codes.to_numpy(), list(values.cat.categories)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), list(uniques)


@dataclass(frozen=True)
class CellTable:
    """Respondents grouped into cells: one cell per combination of the margin variables.

    Attributes
    ----------
    cells
        Per respondent: its cell (0 … n_cells−1).
    n_cells
        Number of cells (the full grid of level combinations when it is small, otherwise
        only the combinations present).
    present
        Per cell: number of respondents in the cell (with a non-zero weight if weights were
        given when coding).
    """

    cells: np.ndarray
    n_cells: int
    present: np.ndarray


@dataclass(frozen=True)
class CodedMargin:
    """One margin coded onto a `CellTable`.

    ``level_of_cell`` gives each cell's level (0 … L−1); cells outside the margin (only
    possible without respondents) get L, so ``np.bincount(level_of_cell, …, minlength=L+1)``
    followed by ``[:L]`` gives the level totals.
    """

    key: MarginKey
    variables: tuple[str, ...]
    levels: tuple
    population: np.ndarray
    level_of_cell: np.ndarray
    source: str | None

    @property
    def name(self) -> str:
        return margin_name(self.key)

    @property
    def n_levels(self) -> int:
        return len(self.levels)

    def totals(self, cell_totals: np.ndarray) -> np.ndarray:
        """Level totals of a vector of cell totals."""
        return np.bincount(self.level_of_cell, weights=cell_totals,
                           minlength=self.n_levels + 1)[: self.n_levels]

    def row_levels(self, table: CellTable) -> np.ndarray:
        """Per respondent: the level (L for respondents outside the margin)."""
        return self.level_of_cell[table.cells]

    def describe_level(self, index: int) -> str:
        return _level_text(self.levels[index])


def code_margins(data: pd.DataFrame, margins: Mapping[Any, Any],
                 weights: np.ndarray | None = None, source: Any = None,
                 purpose: str = "rake") -> tuple[CellTable, list[CodedMargin]]:
    """Code margins onto the cells of the data, checking that data and margins agree.

    Parameters
    ----------
    data
        One row per respondent.
    margins
        ``{variable: {level: count}}``; a key may be a tuple of variables with tuple levels.
    weights
        If given, only respondents with a non-zero weight count as "in the sample" (a
        subpopulation keeps the others with weight zero).
    source
        File name(s) for the messages: one path, or ``{margin key: path}``.
    purpose
        What the margins are for (``"rake"``, ``"poststratify"`` …), for the messages.

    Raises
    ------
    ConfigError
        A margin variable is not a column, or the data has a level the margin lacks.
    DataError
        A margin variable is missing for a respondent, or a level with a population count
        has no respondents (or respondents in a level with population count zero).
    """
    sources = _source_map(margins, source)
    specs = _normalise(margins, sources, purpose)
    n = len(data)
    in_sample = np.ones(n, dtype=bool) if weights is None else np.asarray(weights) != 0
    variables = list(dict.fromkeys(v for spec in specs for v in spec.variables))
    owner = {v: spec.key for spec in reversed(specs) for v in spec.variables}
    codes, uniques = [], []
    for variable in variables:
        key = owner[variable]
        if variable not in data.columns:
            raise _mistake(sources.get(key))(
                f"{purpose}: margin variable {variable!r}{_where(key, sources)} is not a "
                f"column of the data{did_you_mean(variable, map(str, data.columns))}"
            )
        code, unique = _factorise(data[variable])
        missing = code < 0
        if missing.any():
            counted = missing & in_sample
            if counted.any():
                rows = np.flatnonzero(counted)
                raise DataError(
                    f"{purpose}: margin variable {variable!r}{_where(key, sources)} is missing "
                    f"for {len(rows)} respondent(s) (first in row {rows[0] + 1}); every "
                    "respondent needs a level to be weighted. Impute it, add a level such as "
                    "'unknown' to the data and the margin, or drop these respondents "
                    "explicitly before weighting"
                )
            code = np.where(missing, 0, code)
        codes.append(code)
        uniques.append(unique)
    table, cell_codes = _cells(codes, [max(len(u), 1) for u in uniques], in_sample)
    position = {v: i for i, v in enumerate(variables)}
    coded = []
    for spec in specs:
        columns = [position[v] for v in spec.variables]
        margin_codes = [cell_codes[i] for i in columns]
        margin_uniques = [uniques[i] for i in columns]
        level_of_cell = _levels_of_cells(spec, margin_codes, margin_uniques)
        margin = CodedMargin(spec.key, spec.variables, spec.levels, spec.population,
                             level_of_cell, sources.get(spec.key))

        def describe(cell: int, codes_=margin_codes, uniques_=margin_uniques) -> str:
            values = tuple(u[c[cell]] for c, u in zip(codes_, uniques_, strict=True))
            return _level_text(values if len(values) > 1 else values[0])

        _check_levels(margin, table, purpose, describe)
        coded.append(margin)
    return table, coded


def _cells(codes: list[np.ndarray], sizes: list[int], in_sample: np.ndarray
           ) -> tuple[CellTable, list[np.ndarray]]:
    """Combine per-variable codes into cells; per cell the code of every variable."""
    n = len(in_sample)
    grid = math.prod(sizes)
    if grid <= max(2 * n, _GRID_LIMIT):
        cells = codes[0].astype(np.int64)
        for code, size in zip(codes[1:], sizes[1:], strict=True):
            cells *= size
            cells += code
        n_cells = grid
        cell_codes = [c.astype(np.int64) for c in np.unravel_index(np.arange(grid), sizes)]
    else:
        cells = np.zeros(n, dtype=np.int64)
        size = 1
        for code, k in zip(codes, sizes, strict=True):
            if size * k >= 2**62:
                cells, found = pd.factorize(cells)
                size = len(found)
            cells = cells * k + code.astype(np.int64)
            size *= k
        cells, found = pd.factorize(cells)
        cells = cells.astype(np.int64)
        n_cells = len(found)
        first = np.empty(n_cells, dtype=np.int64)
        first[cells[::-1]] = np.arange(n - 1, -1, -1)
        cell_codes = [code[first].astype(np.int64) for code in codes]
    if in_sample.all():
        present = np.bincount(cells, minlength=n_cells)
    else:
        present = np.bincount(cells[in_sample], minlength=n_cells)
    return CellTable(cells, n_cells, present), cell_codes


def _levels_of_cells(spec: _Spec, cell_codes: list[np.ndarray], uniques: list[list]
                     ) -> np.ndarray:
    """Per cell the margin level (L where the combination is not in the margin)."""
    lookup = {_match_key(level): i for i, level in enumerate(spec.levels)}
    outside = len(spec.levels)
    if len(cell_codes) == 1:
        per_value = np.array([lookup.get(code_key(u), outside) for u in uniques[0]]
                             + [outside], dtype=np.int64)
        return per_value[cell_codes[0]]
    sizes = [max(len(u), 1) for u in uniques]
    combined = np.zeros(len(cell_codes[0]), dtype=np.int64)
    for code, size in zip(cell_codes, sizes, strict=True):
        combined = combined * size + code
    distinct, inverse = np.unique(combined, return_inverse=True)
    parts = np.unravel_index(distinct, sizes)
    per_value = np.empty(len(distinct), dtype=np.int64)
    for j in range(len(distinct)):
        values = tuple(code_key(uniques[v][parts[v][j]]) if uniques[v] else None
                       for v in range(len(sizes)))
        per_value[j] = lookup.get(values, outside)
    return per_value[inverse]


def _check_levels(margin: CodedMargin, table: CellTable, purpose: str,
                  describe: Any) -> None:
    where = f"{purpose}: margin {margin.name!r}{_in(margin.source)}"
    unknown = (margin.level_of_cell == margin.n_levels) & (table.present > 0)
    if unknown.any():
        found: dict[str, int] = {}
        for cell in np.flatnonzero(unknown):
            text = describe(int(cell))
            found[text] = found.get(text, 0) + int(table.present[cell])
        listed = ", ".join(f"{text!r} ({count} respondent(s))"
                           for text, count in list(found.items())[:5])
        known = ", ".join(repr(margin.describe_level(i))
                          for i in range(min(margin.n_levels, 8)))
        raise _mistake(margin.source)(
            f"{where} has no population count for {listed}"
            f"{' …' if len(found) > 5 else ''}, which occur(s) in the data; add the "
            "level(s) to the margins file, or recode the variable so that its levels match "
            f"the margin's ({known}{' …' if margin.n_levels > 8 else ''})"
        )
    counts = np.bincount(margin.level_of_cell, weights=table.present.astype(float),
                         minlength=margin.n_levels + 1)[: margin.n_levels]
    absent = (counts == 0) & (margin.population > 0)
    if absent.any():
        names = ", ".join(repr(margin.describe_level(i)) for i in np.flatnonzero(absent)[:5])
        raise DataError(
            f"{where}: level(s) {names} have a population count but no respondent in the "
            "sample, so no weight can represent them; merge the level with a neighbouring "
            "one in both the margins file and the recode of the variable"
        )
    empty = (counts > 0) & (margin.population == 0)
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise DataError(
            f"{where}: level {margin.describe_level(i)!r} has population count 0 but "
            f"{int(counts[i])} respondent(s) in the sample; correct the count or the "
            "respondents' level"
        )


# ---------------------------------------------------------------------- files


#: Largest population count a margins file may give (a thousand times the world's
#: population): 1e308 is a typo, and its sums would overflow.
MAX_POPULATION = 1e13


def read_margins(path_or_paths: str | Path | Iterable[str | Path],
                 data: pd.DataFrame | None = None, rtol: float = 1e-8) -> Margins:
    """Read population margins from CSV files into rake format.

    Parameters
    ----------
    path_or_paths
        One margins file or several (``config/margins/*.csv``). Each has one or more concept
        columns and a ``population`` column with the population count of each level (or
        combination of levels); text is read as UTF-8.
    data
        The harmonised data. If given, levels are converted to the data's values (``"1"`` in
        the file becomes the number 1 when the data holds numbers) and the margins are
        checked against the data with `check_margins`.
    rtol
        Largest relative difference allowed between the population totals of two files.

    Returns
    -------
    Margins
        A dict ``{variable: {level: count}}`` (tuple keys and levels for files with several
        concept columns) whose ``.sources`` maps each margin to its file.

    Raises
    ------
    ConfigError
        A file is missing or malformed (no ``population`` column, an empty level, a count
        that is not a non-negative number, a level listed twice), two files give the same
        margin, or the files' population totals differ.

    Examples
    --------
    >>> margins = read_margins(["config/margins/example_age_sex.csv",
    ...                         "config/margins/example_municipality.csv"])  # doctest: +SKIP
    >>> margins[("age_group", "sex")][("18-29", "male")]                     # doctest: +SKIP
    1632.0
    """
    paths = [path_or_paths] if isinstance(path_or_paths, (str, Path)) else list(path_or_paths)
    if not paths:
        raise ConfigError("read_margins: no margins file given; list the files under "
                          "weighting: margins: in the survey config")
    margins = Margins()
    for path in paths:
        key, table = _read_file(Path(path))
        if key in margins:
            raise ConfigError(f"margins files {margins.sources[key]} and {path} both give the "
                              f"margin {margin_name(key)!r}; keep one of them")
        margins[key] = table
        margins.sources[key] = str(path)
    if data is not None:
        margins = _levels_as_in_data(margins, data)
        check_margins(margins, data, rtol=rtol)
    else:
        check_totals([(margin_name(k), margins.sources[k], sum(t.values()))
                      for k, t in margins.items()], rtol, purpose="margins")
    return margins


def _read_file(path: Path) -> tuple[MarginKey, dict]:
    if not path.is_file():
        raise ConfigError(f"margins file {path} does not exist; check the path under "
                          "weighting: margins: in the survey config")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ConfigError(f"margins file {path} cannot be read as CSV: {error}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    population = [c for c in frame.columns if c.lower() == "population"]
    concepts = [c for c in frame.columns if c.lower() != "population"]
    if len(population) != 1 or not concepts:
        raise ConfigError(
            f"margins file {path} needs one or more concept columns and one 'population' "
            f"column; its columns are {', '.join(map(repr, frame.columns)) or 'none'}"
        )
    if frame.empty:
        raise ConfigError(f"margins file {path} has no rows; give one row per level")
    table: dict = {}
    for row, record in enumerate(frame.itertuples(index=False), start=2):
        values = dict(zip(frame.columns, (str(v).strip() for v in record), strict=True))
        for concept in concepts:
            if not values[concept]:
                raise ConfigError(f"margins file {path}, line {row}: {concept!r} is empty; "
                                  "give the level, or delete the line")
        count_text = values[population[0]]
        try:
            count = float(count_text)
        except ValueError:
            count = math.nan
        if not math.isfinite(count) or count < 0:
            raise ConfigError(f"margins file {path}, line {row}: population {count_text!r} "
                              "is not a non-negative number")
        if count > MAX_POPULATION:
            raise ConfigError(f"margins file {path}, line {row}: population {count_text!r} "
                              f"is more than {MAX_POPULATION:.0e}, more people than live on "
                              "Earth a thousand times over; give the population count")
        level = (values[concepts[0]] if len(concepts) == 1
                 else tuple(values[c] for c in concepts))
        if level in table:
            raise ConfigError(f"margins file {path}, line {row}: level {_level_text(level)!r} "
                              "is listed twice; give each level once")
        table[level] = count
    key: MarginKey = concepts[0] if len(concepts) == 1 else tuple(concepts)
    return key, table


def _levels_as_in_data(margins: Margins, data: pd.DataFrame) -> Margins:
    """Levels read as text, converted to the data's own values where they match."""
    converted = Margins(sources=margins.sources)
    for key, table in margins.items():
        variables = (key,) if isinstance(key, str) else key
        lookups = []
        for variable in variables:
            if variable not in data.columns:
                lookups.append({})
                continue
            values = data[variable]
            distinct = (values.cat.categories if isinstance(values.dtype, pd.CategoricalDtype)
                        else values.dropna().unique())
            lookups.append({code_key(v): v for v in distinct})

        def convert(level: Any, lookups_: list = lookups) -> Any:
            if isinstance(level, tuple):
                return tuple(lk.get(code_key(v), v) for lk, v in zip(lookups_, level,
                                                                    strict=True))
            return lookups_[0].get(code_key(level), level)

        converted[key] = {convert(level): count for level, count in table.items()}
    return converted


def check_margins(margins: Mapping[Any, Any], data: pd.DataFrame, source: Any = None,
                  weights: str | np.ndarray | None = None, rtol: float = 1e-8) -> None:
    """Check that population margins fit the data before weighting.

    Parameters
    ----------
    margins
        ``{variable: {level: count}}`` (tuple keys and levels for joint margins), e.g. from
        `read_margins` (whose ``.sources`` name the files in messages).
    data
        The harmonised data.
    source
        The file(s) the margins came from, for the messages: a path, or
        ``{margin key: path}``.
    weights
        Design weights (a column of ``data`` or an array); checked to be positive numbers.
    rtol
        Largest relative difference allowed between the margins' population totals.

    Raises
    ------
    ConfigError
        A margin variable is not in the data, the data has a level the margin lacks, or the
        margins' population totals differ.
    DataError
        A margin variable is missing for a respondent, a level with a population count has
        no respondents, or a design weight is missing, zero or negative.
    """
    if weights is not None:
        check_design_weights(data, weights)
    _, coded = code_margins(data, margins, source=source, purpose="margins")
    check_totals(totals_of(coded), rtol, purpose="margins")
