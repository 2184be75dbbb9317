"""Weight diagnostics and checks: how much the weights vary, what that costs, how well they
fit the margins, and whether weights and margins are fit for weighting at all.

`diagnostics` summarises a design's weights (Kish's design effect due to unequal weighting,
effective sample size, range, coefficient of variation, quantiles) and, given population
margins, compares the weighted sample with the population before and after adjustment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from surveykit._core.codes import format_code
from surveykit._core.errors import ArgumentError, ConfigError, DataError
from surveykit._core.messages import did_you_mean

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["QUANTILES", "check_design_weights", "check_totals", "design_weights",
           "diagnostics"]

#: Quantiles of the weights reported by `diagnostics`.
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


def design_weights(design: SurveyDesign) -> np.ndarray | None:
    """The weights the design had before any adjustment, if they are known.

    The design's ``weights`` column; else the weights before its first raking,
    post-stratification or calibration; else, for a design built from fpc or without
    weights, the weights they imply. ``None`` otherwise (e.g. a replicate design built from
    weight arrays).
    """
    spec = getattr(design, "_spec", None)
    data = getattr(design, "_data", None)
    column = spec.get("weights") if isinstance(spec, Mapping) else None
    if isinstance(column, str) and data is not None and column in data.columns:
        return pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float)
    for adjustment in design.adjustments:
        earlier = getattr(adjustment, "weights", None)
        if earlier is not None:
            return np.asarray(earlier, dtype=float)
    from surveykit.design import SurveyDesign  # design imports weighting, which imports us

    # A replicate design built from weight arrays has no record of its design weights.
    if type(design) is SurveyDesign and isinstance(spec, Mapping):
        structure = design.structure
        if structure.population is not None:
            return structure.fpc_weights()
        return np.ones(len(design.weights))
    return None


def _summary(weights: np.ndarray) -> dict[str, Any]:
    n = len(weights)
    total = float(weights.sum())
    squares = float((weights**2).sum())
    mean = total / n
    quantiles = np.quantile(weights, QUANTILES)
    return {
        "n": n,
        "sum_weights": total,
        "mean_weight": mean,
        "kish_deff": n * squares / total**2,
        "effective_n": total**2 / squares,
        "min_weight": float(weights.min()),
        "max_weight": float(weights.max()),
        "weight_ratio": float(weights.max() / weights.min()) if weights.min() > 0 else np.inf,
        "cv_weights": float(weights.std() / mean),
        "quantiles": {f"{q:g}": float(v) for q, v in zip(QUANTILES, quantiles, strict=True)},
    }


def diagnostics(design: SurveyDesign, margins: Mapping[Any, Mapping[Any, float]] | None = None,
                before: SurveyDesign | np.ndarray | None = None) -> dict[str, Any]:
    """Diagnostics of a design's weights, and of their fit to population margins.

    Parameters
    ----------
    design
        The (adjusted) design.
    margins
        Population margins in rake format (``{variable: {level: count}}``, tuple keys for
        joint margins), e.g. from `surveykit.margins.read_margins`.
    before
        The design (or weight vector) before adjustment for the "before" columns; by
        default the design weights the design was built with.

    Returns
    -------
    dict
        Over respondents with a non-zero weight: ``n``, ``sum_weights``, ``mean_weight``,
        ``kish_deff`` (Kish's design effect due to unequal weighting, ``n Σw² / (Σw)²``
        = 1 + CV²), ``effective_n`` (``(Σw)² / Σw²`` = n / kish_deff), ``min_weight``,
        ``max_weight``, ``weight_ratio`` (max / min), ``cv_weights`` (standard deviation /
        mean, population form), ``quantiles`` ({"0.01": …, "0.5": …}), ``n_adjustments``,
        and ``before``: the same summary of the weights before adjustment (if known).
        With ``margins`` also ``margins``: a DataFrame with one row per margin level —
        ``variable, level, population, population_share, n, before_total, before_share,
        after_total, after_share`` (shares of the weighted sample).

    Examples
    --------
    >>> import surveykit as sk
    >>> info = sk.diagnostics(raked, margins)  # doctest: +SKIP
    >>> info["kish_deff"], info["effective_n"]  # doctest: +SKIP
    """
    weights = np.asarray(design.weights, dtype=float)
    used = weights != 0
    if not used.any():
        raise ConfigError("diagnostics: every weight is zero")
    result = _summary(weights[used])
    result["n_adjustments"] = len(design.adjustments)
    if isinstance(before, np.ndarray) or before is None:
        earlier = design_weights(design) if before is None else np.asarray(before, float)
    else:
        earlier = np.asarray(before.weights, dtype=float)
    if earlier is not None and len(earlier) != len(weights):
        raise ConfigError("diagnostics: `before` must have one weight per respondent")
    if earlier is not None and np.isfinite(earlier[used]).all():
        result["before"] = _summary(earlier[used])
    else:
        earlier = None
    if margins is not None:
        result["margins"] = _margins_table(design, margins, weights, earlier)
    return result


def _margins_table(design: SurveyDesign, margins: Mapping[Any, Any], weights: np.ndarray,
                   earlier: np.ndarray | None) -> pd.DataFrame:
    from surveykit.weighting.margins import code_margins  # margins uses this module's checks

    table, coded = code_margins(design._data, margins, weights=weights,
                                purpose="diagnostics")
    used = (weights != 0).astype(float)
    after_cells = np.bincount(table.cells, weights=weights, minlength=table.n_cells)
    counts = np.bincount(table.cells, weights=used, minlength=table.n_cells)
    before_cells = None if earlier is None else np.bincount(
        table.cells, weights=earlier * used, minlength=table.n_cells)
    rows = []
    for margin in coded:
        after = margin.totals(after_cells)
        before = None if before_cells is None else margin.totals(before_cells)
        n = margin.totals(counts)
        population_total = margin.population.sum()
        for level in range(margin.n_levels):
            value = margin.levels[level]
            rows.append({
                "variable": margin.name,
                "level": margin.describe_level(level) if isinstance(value, tuple) else value,
                "population": float(margin.population[level]),
                "population_share": float(margin.population[level] / population_total),
                "n": int(n[level]),
                "before_total": np.nan if before is None else float(before[level]),
                "before_share": np.nan if before is None else float(before[level]
                                                                   / before.sum()),
                "after_total": float(after[level]),
                "after_share": float(after[level] / after.sum()),
            })
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- checks


def check_totals(margins: Iterable[tuple[str, str | None, float]], rtol: float,
                 error: type | None = None, purpose: str = "rake") -> None:
    """All margins must describe the same population: equal totals up to ``rtol``.

    ``margins`` holds ``(name, source file or None, population total)`` per margin. The
    error is a `ConfigError` when the margins came from files, else an `ArgumentError`.
    """
    items = list(margins)
    if error is None:
        error = ConfigError if any(source for _, source, _ in items) else ArgumentError
    first_name, first_source, reference = items[0]
    for name, source, total in items[1:]:
        difference = abs(total - reference) / reference
        if difference > rtol:
            raise error(
                f"{purpose}: margins {first_name!r}{_in(first_source)} and {name!r}"
                f"{_in(source)} have different population totals ({format_code(reference)} "
                f"vs {format_code(total)}, relative difference {difference:.2g}); raking "
                f"cannot fit both. Correct the margin {name!r} so that every margin "
                "describes the same population"
            )




def check_design_weights(data: pd.DataFrame, weights: str | np.ndarray) -> None:
    """Design weights (a column of ``data`` or an array) must be positive numbers.

    Raises `DataError` naming the first bad row, `ConfigError` for an unknown column.
    """
    if isinstance(weights, str):
        if weights not in data.columns:
            raise ArgumentError(f"margins: the weights column {weights!r} is not in the data"
                              f"{did_you_mean(weights, map(str, data.columns))}")
        raw = data[weights]
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        name = repr(weights)
    else:
        values = np.asarray(weights, dtype=float)
        raw = pd.Series(values)
        name = "weights"
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise DataError(
            f"margins: design weight {name} is {raw.iloc[rows[0]]!r} in row {rows[0] + 1} "
            f"({len(rows)} row(s) with a missing, zero or negative weight); design weights "
            "must be positive numbers: correct them in the data or the design config"
        )


def _in(source: str | None) -> str:
    return f" ({source})" if source else ""
