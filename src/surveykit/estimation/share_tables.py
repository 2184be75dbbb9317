"""Share tables: one indicator by a breakdown, every cell with its interval, base and test.

A share table is what researchers and project leads read first: the share willing to move
(or every level's share of an ordinal item, or a mean) overall and in each group, with

* the design-based estimate, SE and 95 % interval (proportions: R's ``svyciprop`` logit
  interval by default, with each domain's own design degrees of freedom as R's ``svyby``
  gives them; means: t with the design's degrees of freedom),
* the unweighted base ``n``, the weighted base ``n_weighted``, the design effect ``deff``
  and the effective sample size ``n_eff = n / deff``,
* a Rao–Scott test of the whole breakdown (R's ``svychisq``; a design-based Wald F test of
  equal means for a numeric indicator), and
* per cell, a design-based test of the difference between the cell and the rest of the
  population (respondents with another value of the breakdown), with p-values corrected
  across the cells of the table (Holm by default, Benjamini–Hochberg selectable) and a
  mark ▲/▼ where the cell is significantly above/below the rest.

Everything is computed by the design (linearisation or replicate weights), so a replicate
design gives replicate variances throughout. Nothing here suppresses cells: disclosure
control belongs to publishing (`surveykit.publish.disclosure`), which sees the bases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from surveykit._core.distributions import f_sf, t_sf
from surveykit._core.errors import ArgumentError, DataError
from surveykit._core.messages import did_you_mean
from surveykit.design.linear import LinearStatistic
from surveykit.estimation.domains import levels_of
from surveykit.estimation.intervals import PROPORTION_METHODS

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["CORRECTIONS", "INDICATOR_KINDS", "MARK_HIGHER", "MARK_LOWER", "ShareTable",
           "adjust_p_values", "deff_form_for", "share_table"]

#: Indicator kinds: a binary share, every level's share, or a mean.
INDICATOR_KINDS = ("binary", "categorical", "ordinal", "numeric", "scale")
#: Multiple-testing corrections across the cells of a table (statsmodels' names).
CORRECTIONS = {"holm": "holm", "bh": "fdr_bh", "fdr_bh": "fdr_bh", "none": None}
MARK_HIGHER, MARK_LOWER = "▲", "▼"
#: Cells per block of the cell-versus-rest variance (bounds memory on large samples).
_BLOCK = 8


@dataclass(frozen=True)
class ShareTable:
    """One indicator by one breakdown.

    Attributes
    ----------
    indicator, kind
        The indicator and its kind (``binary``, ``categorical``, ``ordinal``,
        ``numeric``, ``scale``).
    by
        The breakdown's variables (empty for the whole population).
    cells
        One row per domain and level: the breakdown's columns, ``level`` (the indicator
        level; ``1`` for a binary share, empty for a mean), ``estimate, se, ci_low,
        ci_high, n, n_weighted, n_eff, deff`` and — with a breakdown — ``difference``
        (cell minus rest) with its SE ``difference_se``, ``p_value``, ``p_adjusted`` and
        ``mark``.
    test
        The test of the whole breakdown: ``method, statistic, ndf, ddf, p_value``.
    interval, deff_form, correction, alpha
        How the table was made (for its footnotes).
    """

    indicator: str
    kind: str
    by: tuple[str, ...]
    cells: pd.DataFrame
    test: dict[str, Any] | None
    interval: str
    deff_form: str
    correction: str
    alpha: float
    notes: tuple[str, ...] = field(default_factory=tuple)


def deff_form_for(design: SurveyDesign, requested: str = "auto") -> str:
    """The design-effect form a table shows: ``"replace"`` or ``"srswor"``.

    ``auto`` takes Kish's with-replacement form when the weights are scaled to the sample
    (they sum to between half and twice the number of respondents): R's without-replacement
    form then divides by ``1 − n/N̂`` with ``N̂ ≈ n`` and gives meaningless values (in the
    thousands, even negative). With weights that add up to the population both are
    meaningful and ``auto`` keeps R's default.
    """
    if requested not in ("auto", "replace", "srswor"):
        raise ArgumentError(f"deff={requested!r}; use 'auto', 'replace' or 'srswor'")
    if requested != "auto":
        return requested
    weights = design.weights[design.weights != 0]
    ratio = weights.sum() / max(len(weights), 1)
    return "replace" if 0.5 <= ratio <= 2.0 else "srswor"


def _column(data: pd.DataFrame, name: str, what: str) -> pd.Series:
    if name not in data.columns:
        raise ArgumentError(f"share table: {what} {name!r} is not a column"
                            f"{did_you_mean(name, map(str, data.columns))}")
    return data[name]


def _categorical(values: pd.Series) -> pd.Series:
    """The indicator as categories (a 0/1 column keeps its levels 0 and 1)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        codes, uniques = pd.factorize(numbers, sort=True)  # NaN → code −1
        return pd.Series(pd.Categorical.from_codes(codes, categories=uniques),
                         index=values.index)
    return values.astype("category")


def _domain_keys(data: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, list[tuple]]:
    """Integer domain per respondent (−1: a breakdown value is missing) in display order:
    the categories' own order for each variable, combinations row-major."""
    levels = [levels_of(data[name]) for name in by]
    codes = np.zeros(len(data), dtype=np.int64)
    missing = np.zeros(len(data), dtype=bool)
    for name, values in zip(by, levels, strict=True):
        code = pd.Categorical(data[name], categories=values).codes.astype(np.int64)
        missing |= code < 0
        codes = codes * len(values) + code
    codes[missing] = -1
    keys = [()]
    for values in levels:
        keys = [(*key, value) for key in keys for value in values]
    return codes, keys


def _estimates(design: SurveyDesign, indicator: str, kind: str, by: list[str],
               interval: str, level: float, deff: str) -> pd.DataFrame:
    """Cell estimates from the design's estimators (the R-tested code), in tidy form."""
    options: dict[str, Any] = {"by": by or None, "level": level}
    if kind in ("numeric", "scale"):
        frame = design.mean(indicator, deff=deff if deff == "replace" else True,
                            df="design", **options)
        frame = pd.DataFrame(frame)
        frame["level"] = ""
    else:
        # R's svyby(…, svyciprop) gives each domain's interval its own design df
        frame = pd.DataFrame(design.proportion(indicator, method=interval,
                                               deff=deff if deff == "replace" else True,
                                               df="domain", **options))
        frame = frame.rename_axis(index={indicator: "level"})
        if kind == "binary":
            frame = frame[frame.index.get_level_values("level") == 1]
            frame = frame.rename(index=lambda level_: 1 if level_ == 1 else level_,
                                 level="level")
    frame = frame.reset_index()
    if "variable" in frame.columns:
        frame = frame.drop(columns="variable")
    return frame.drop(columns=[c for c in ("count",) if c in frame.columns])


def _level_matrix(values: pd.Series, kind: str) -> tuple[np.ndarray, list[Any]]:
    """n × L values whose domain means are the table's estimates (0 where missing)."""
    if kind in ("numeric", "scale"):
        numeric = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float,
                                                                  na_value=np.nan)
        return np.nan_to_num(numeric)[:, None], [""]
    levels = levels_of(values)
    if kind == "binary":
        levels = [level for level in levels if level == 1]
    matrix = np.column_stack([(values == level).fillna(False).to_numpy(dtype=float)
                              for level in levels]) if levels else np.empty((len(values), 0))
    return matrix, levels


def _cell_tests(design: SurveyDesign, values: pd.Series, kind: str, codes: np.ndarray,
                keys: list[tuple]) -> pd.DataFrame:
    """Per domain and level: cell minus rest, its SE, t and two-sided p (design df).

    The rest are the respondents with a non-missing breakdown value outside the cell, as
    R's ``svyby(~y, ~I(group == g), subset(design, !is.na(group)))`` with
    ``svycontrast``. The pair (cell, rest) of each column is one ratio statistic, so the
    design (linearisation or replicates) gives the covariance of the two.
    """
    weights = design.weights
    answered = values.notna().to_numpy() & (weights != 0) & (codes >= 0)
    matrix, levels = _level_matrix(values, kind)
    rows, pairs = [], []
    for d, key in enumerate(keys):
        inside = answered & (codes == d)
        if not inside.any():
            continue
        for j, level in enumerate(levels):
            pairs.append((d, j))
            rows.append({"domain": key, "level": level})
    differences = np.full(len(pairs), np.nan)
    ses = np.full(len(pairs), np.nan)
    for start in range(0, len(pairs), _BLOCK):
        block = pairs[start:start + _BLOCK]
        numerator, denominator = [], []
        for inside_rest in (True, False):
            for d, j in block:
                member = answered & ((codes == d) if inside_rest else (codes != d))
                numerator.append(matrix[:, j] * member)
                denominator.append(member.astype(float))
        stacked = np.column_stack(numerator), np.column_stack(denominator)
        statistic = LinearStatistic(stacked[0], stacked[1], [], np.zeros(len(numerator)))
        estimate, covariance = design.estimate_statistic(statistic, stacked[1] != 0)
        m = len(block)
        cell, rest = estimate[:m], estimate[m:]
        variance = (np.diag(covariance)[:m] + np.diag(covariance)[m:]
                    - 2 * np.diag(covariance[:m, m:]))
        differences[start:start + m] = cell - rest
        ses[start:start + m] = np.sqrt(np.clip(variance, 0, None))
    frame = pd.DataFrame(rows)
    frame["difference"] = differences
    frame["difference_se"] = ses
    with np.errstate(divide="ignore", invalid="ignore"):
        t = differences / ses
    frame["p_value"] = 2 * t_sf(np.abs(t), float(design.degf))
    return frame


def wald_equal_means(estimates: pd.DataFrame, covariance: np.ndarray, degf: float
                      ) -> dict[str, Any]:
    """Design-based Wald F test that all domain means are equal (contrasts to the first)."""
    k = len(estimates)
    if k < 2:
        return {"method": "design-based Wald F test of equal means", "statistic": np.nan,
                "ndf": np.nan, "ddf": degf, "p_value": np.nan}
    contrasts = np.hstack([-np.ones((k - 1, 1)), np.eye(k - 1)])
    difference = contrasts @ estimates["estimate"].to_numpy()
    middle = contrasts @ covariance @ contrasts.T
    wald = float(difference @ np.linalg.pinv(middle) @ difference)
    statistic = wald / (k - 1)
    return {"method": "design-based Wald F test of equal means", "statistic": statistic,
            "ndf": float(k - 1), "ddf": degf,
            "p_value": float(f_sf(statistic, k - 1, degf))}


def _breakdown_test(design: SurveyDesign, indicator: str, kind: str, by: list[str],
                    data: pd.DataFrame) -> dict[str, Any]:
    """Rao–Scott F (categorical indicators) or Wald F of equal means (numeric)."""
    column = by[0]
    working = design
    if len(by) > 1:
        column = " × ".join(by)
        codes, keys = _domain_keys(data, by)
        labels = [" × ".join(map(str, key)) for key in keys]
        combined = pd.Categorical.from_codes(codes, categories=labels) if len(labels) else \
            pd.Categorical([None] * len(data))
        working = design.with_data(data.assign(**{column: combined}))
    if kind in ("numeric", "scale"):
        means = working.mean(indicator, by=column, df="design")
        return wald_equal_means(pd.DataFrame(means), means.vcov.to_numpy(),
                                 float(design.degf))
    result = working.chisq(indicator, column, statistic="F")
    return {"method": "Rao-Scott F (second-order)", "statistic": result.statistic,
            "ndf": result.ndf, "ddf": result.ddf, "p_value": result.p_value}


def _holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment (as R's ``p.adjust(p, "holm")``).

    Written out rather than taken from statsmodels' ``multipletests``, whose Holm branch
    runs a full ``gc.collect()`` on every call: 30 ms each in a session holding a large
    survey, two seconds over the tables of a million-respondent run. The test suite checks
    it against statsmodels.
    """
    order = np.argsort(p_values, kind="stable")
    steps = p_values[order] * np.arange(len(p_values), 0, -1)
    adjusted = np.empty_like(steps)
    adjusted[order] = np.minimum(np.maximum.accumulate(steps), 1.0)
    return adjusted


def adjust_p_values(p_values: np.ndarray, correction: str) -> np.ndarray:
    """p-values corrected across a table's cells: ``holm``, ``bh`` (Benjamini–Hochberg,
    statsmodels) or ``none``; NaN (an untestable cell) stays NaN and does not count."""
    method = CORRECTIONS[correction]
    p_values = np.asarray(p_values, dtype=float)
    finite = np.isfinite(p_values)
    adjusted = np.full(len(p_values), np.nan)
    if method is None:
        return p_values.copy()
    if not finite.any():
        return adjusted
    if method == "holm":
        adjusted[finite] = _holm(p_values[finite])
    else:
        from statsmodels.stats.multitest import multipletests

        adjusted[finite] = multipletests(p_values[finite], method=method)[1]
    return adjusted


def _by_totals(design: SurveyDesign, values: pd.Series, kind: str, breakdown: list[str],
               interval: str, level: float, form: str, data: pd.DataFrame
               ) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    """Linearisation: every cell from one variance pass over the cell totals."""
    from surveykit.estimation.share_totals import (
        cell_totals,
        domain_degrees_of_freedom,
        equal_means_test,
        rao_scott_from_totals,
        share_cells,
    )

    if breakdown:
        codes, keys = _domain_keys(data, breakdown)
    else:
        codes, keys = np.zeros(len(data), dtype=np.int64), [()]
    matrix, levels = _level_matrix(values, kind)
    answered = values.notna().to_numpy() & (design.weights != 0)
    totals = cell_totals(design, matrix, answered, codes, len(keys))
    numeric = kind in ("numeric", "scale")
    domain_df = None if numeric else domain_degrees_of_freedom(design, codes, len(keys))
    cells = share_cells(design, totals, kind, levels, interval, level, form,
                        with_tests=bool(breakdown), domain_df=domain_df)
    cells["_order"] = cells["domain"]
    for position, name in enumerate(breakdown):
        cells[name] = [keys[d][position] for d in cells["domain"]]
    cells = cells.drop(columns="domain")
    test = None
    if breakdown:
        if numeric:
            test = equal_means_test(design, totals)
        else:
            in_design = design.weights != 0
            present = [j for j, level_ in enumerate(levels)
                       if (values[in_design] == level_).any()]
            if kind == "binary":
                present = [-1, *present] if (values[in_design] == 0).any() else present
            test = rao_scott_from_totals(design, totals, kind, present)
    return cells, test


def _by_statistics(design: SurveyDesign, working: SurveyDesign, values: pd.Series,
                   indicator: str, kind: str, breakdown: list[str], interval: str,
                   level: float, form: str, data: pd.DataFrame
                   ) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    """Replicate designs: each statistic recomputed with every replicate's weights."""
    cells = _estimates(working, indicator, kind, breakdown, interval, level, form)
    answered = values.notna().to_numpy() & (design.weights != 0)
    if breakdown:
        codes, keys = _domain_keys(data, breakdown)
        key_of = {key: d for d, key in enumerate(keys)}
        domain_code = np.array([key_of[tuple(row)] for row in
                                cells[breakdown].itertuples(index=False, name=None)])
        bases = np.bincount(codes[answered & (codes >= 0)],
                            weights=design.weights[answered & (codes >= 0)],
                            minlength=len(keys))
        cells["n_weighted"] = bases[domain_code]
        cells["_order"] = domain_code
    else:
        cells["n_weighted"] = float(design.weights[answered].sum())
        cells["_order"] = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        cells["n_eff"] = cells["n"] / cells["deff"]
    test = None
    if breakdown:
        tests = _cell_tests(working, values, kind, codes, keys)
        tests[breakdown] = pd.DataFrame(tests.pop("domain").tolist(), index=tests.index)
        cells = cells.merge(tests, on=[*breakdown, "level"], how="left")
        test = _breakdown_test(working, indicator, kind, breakdown, data)
    return cells, test


def share_table(design: SurveyDesign, indicator: str, kind: str,
                by: str | Sequence[str] | None = None, interval: str = "logit",
                level: float = 0.95, deff: str = "auto", correction: str = "holm",
                alpha: float = 0.05) -> ShareTable:
    """One indicator overall or by a breakdown, with intervals, bases, tests and marks.

    Parameters
    ----------
    design
        A `SurveyDesign` or `ReplicateDesign` (the weighted design).
    indicator
        The variable: 0/1 for ``binary`` (the share of 1), categories for ``categorical``
        and ``ordinal`` (every level's share), numbers for ``numeric`` and ``scale`` (the
        mean).
    kind
        One of `INDICATOR_KINDS`.
    by
        ``None`` (the whole population), a variable, or two variables (a two-way
        breakdown: every combination is a cell).
    interval
        Interval for proportions, one of R's ``svyciprop`` methods (default ``"logit"``).
    level
        Confidence level.
    deff
        Design-effect form: ``"auto"`` (see :func:`deff_form_for`), ``"replace"``,
        ``"srswor"``.
    correction
        Multiple-testing correction across the cells: ``"holm"`` (default), ``"bh"``
        (Benjamini–Hochberg) or ``"none"``.
    alpha
        Significance level of the marks.

    Returns
    -------
    ShareTable
    """
    if kind not in INDICATOR_KINDS:
        raise ArgumentError(f"share table: kind={kind!r}; use one of "
                            f"{', '.join(INDICATOR_KINDS)}")
    if interval not in PROPORTION_METHODS:
        raise ArgumentError(f"share table: interval={interval!r}; use one of "
                            f"{', '.join(PROPORTION_METHODS)}")
    if correction not in CORRECTIONS:
        raise ArgumentError(f"share table: correction={correction!r}; use one of "
                            f"{', '.join(CORRECTIONS)}")
    breakdown = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if len(breakdown) > 2:
        raise ArgumentError("share table: give at most two breakdown variables")
    if indicator in breakdown:
        raise ArgumentError(f"share table: {indicator!r} cannot be broken down by itself")
    data = design._data
    values = _column(data, indicator, "indicator")
    for name in breakdown:
        _column(data, name, "breakdown variable")
    if kind in ("numeric", "scale"):
        if not pd.api.types.is_numeric_dtype(values.dtype) or \
                isinstance(values.dtype, pd.CategoricalDtype):
            raise ArgumentError(f"share table: {indicator!r} is not numeric; use kind "
                                "'categorical' or 'ordinal' for its levels")
    else:
        values = _categorical(values)
        if kind == "binary" and not set(levels_of(values)) <= {0, 1}:
            raise ArgumentError(f"share table: binary indicator {indicator!r} must be 0/1, "
                                f"not {levels_of(values)[:5]}")
    if not (values.notna().to_numpy() & (design.weights != 0)).any():
        raise DataError(f"share table: no respondent has a value of {indicator!r}")
    form = deff_form_for(design, deff)
    if design.uses_replicates:
        working = design.with_data(data.assign(**{indicator: values})) if kind not in (
            "numeric", "scale") else design
        cells, test = _by_statistics(design, working, values, indicator, kind, breakdown,
                                     interval, level, form, data)
    else:
        cells, test = _by_totals(design, values, kind, breakdown, interval, level, form,
                                 data)
    if breakdown:
        cells["p_adjusted"] = adjust_p_values(cells["p_value"].to_numpy(), correction)
        significant = cells["p_adjusted"].to_numpy() < alpha
        cells["mark"] = np.where(significant & (cells["difference"] > 0), MARK_HIGHER,
                                 np.where(significant & (cells["difference"] < 0),
                                          MARK_LOWER, ""))
    level_order = {level_: i for i, level_ in enumerate(
        [""] if kind in ("numeric", "scale") else levels_of(values))}
    cells["_level"] = cells["level"].map(level_order)
    cells = cells.sort_values(["_order", "_level"], kind="stable").drop(
        columns=["_order", "_level"]).reset_index(drop=True)
    columns = [*breakdown, "level", "estimate", "se", "ci_low", "ci_high", "n",
               "n_weighted", "n_eff", "deff"]
    if breakdown:
        columns += ["difference", "difference_se", "p_value", "p_adjusted", "mark"]
    return ShareTable(indicator=indicator, kind=kind, by=tuple(breakdown),
                      cells=cells[columns], test=test,
                      interval=interval if kind not in ("numeric", "scale") else "t",
                      deff_form=form, correction=correction, alpha=alpha)
