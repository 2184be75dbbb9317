"""Design-based quantiles with Woodruff confidence intervals, as R's ``svyquantile``.

A quantile is read off the weighted distribution function of the respondents (one sort,
cumulative weights). Its confidence interval follows Woodruff (1952): take the interval of
the estimated share ``P̂(x ≤ q̂)`` — a design-based mean, so the design's own variance engine
(linearisation or replicate weights) supplies its standard error — and map both ends back
through the same quantile rule. The reported standard error is the one implied by that
interval, ``(ci_high − ci_low) / (2 t_{1−α/2, df})``. Everything reproduces R's ``survey``
4.1-1 (the "new" ``svyquantile`` with ``qrule`` and ``interval.type``) bit for bit where R is
exact, including its rule for probabilities below the first cumulative weight (see
`quantile`).

Domains (``by=``) are subpopulations of the whole design and missing values are left out, as
R's ``svyby(..., svyquantile, na.rm=TRUE)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from surveykit._core.errors import ArgumentError, DataError
from surveykit._core.messages import did_you_mean
from surveykit.estimation.domains import domain_codes
from surveykit.estimation.intervals import critical_value, proportion_interval
from surveykit.estimation.results import as_estimates

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["INTERVALS", "QRULES", "quantile"]

#: Quantile rules of R's ``svyquantile`` implemented here.
QRULES = ("math", "school")
#: Interval types (R's ``interval.type``); ``"quantile"`` only for replicate designs.
INTERVALS = ("mean", "beta", "xlogit", "asin", "score", "quantile")

_EPSILON = np.finfo(float).eps


# ---------------------------------------------------------------------- the quantile rule


@dataclass(frozen=True)
class _WeightedSample:
    """Respondents sorted by value with their cumulative weights (R's ``survey:::qs``).

    Cumulative weights and the total are accumulated in extended precision and rounded to
    double, as R's ``cumsum`` and ``sum`` do, so ``p · W`` meets a cumulative weight exactly
    where it does in R (the case that separates the ``math`` and ``school`` rules). Where
    numpy's long double is a plain double (Windows, Apple silicon) such ties can, rarely,
    fall differently.
    """

    values: np.ndarray
    cumulative: np.ndarray
    floor: np.ndarray
    total: float

    @classmethod
    def build(cls, values: np.ndarray, weights: np.ndarray, rows: np.ndarray
              ) -> _WeightedSample:
        """``rows``: row numbers in stable sorted order of ``values``, all with weight ≠ 0."""
        if rows.size == 0:
            raise DataError("no respondent with a value and a non-zero weight is left")
        cumulative = np.cumsum(weights[rows], dtype=np.longdouble).astype(float)
        # R sums the weights in data order, not in sorted order
        in_sample = np.zeros(len(weights), dtype=bool)
        in_sample[rows] = True
        total = float(np.cumsum(weights[in_sample], dtype=np.longdouble)[-1])
        # R takes the *last* position with cumulative weight ≤ p·W; with negative weights
        # (possible after calibration) the cumulative weights are not monotone, and the last
        # such position is the last one whose suffix minimum is ≤ p·W.
        floor = np.minimum.accumulate(cumulative[::-1])[::-1]
        return cls(values[rows], cumulative, floor, total)

    def quantile(self, probabilities: np.ndarray, qrule: str) -> np.ndarray:
        """Quantiles at ``probabilities`` (NaN stays NaN) under R's ``qrule_math/school``.

        ``math`` is the inverse of the weighted distribution function (the smallest value
        whose cumulative share reaches p); ``school`` averages the two neighbouring values
        when p·W falls exactly on a cumulative weight. As R's ``qs()``, a p·W below the
        first cumulative weight takes position 1, whose "next" value is the second smallest.
        """
        p = np.asarray(probabilities, dtype=float)
        result = np.full(p.shape, np.nan)
        ok = ~np.isnan(p)
        p = p[ok]
        last = len(self.values) - 1
        position = np.searchsorted(self.floor, p * self.total, side="right") - 1
        position = np.maximum(position, 0)
        following = np.minimum(position + 1, last)
        exact = (p - self.cumulative[position] / self.total) == 0
        low, high = self.values[position], self.values[following]
        if qrule == "math":
            result[ok] = np.where(exact, low, high)
        else:
            result[ok] = np.where(exact, (low + high) / 2, high)
        return result


# ---------------------------------------------------------------------- inputs


def _probabilities(quantiles: float | Sequence[float]) -> np.ndarray:
    values = np.atleast_1d(np.asarray(quantiles, dtype=float))
    if values.ndim != 1 or values.size == 0:
        raise ArgumentError("quantiles must be a number or a list of numbers in [0, 1]")
    bad = ~((values >= 0) & (values <= 1))
    if bad.any():
        raise ArgumentError(f"quantile {values[bad][0]!r} is outside [0, 1]; give "
                          "probabilities such as 0.5 for the median or 0.25 for a quartile")
    return values


def _numeric_values(design: SurveyDesign, variable: str) -> np.ndarray:
    data = design._data
    if variable not in data.columns:
        raise ArgumentError(f"no variable {variable!r} in the design's data"
                          f"{did_you_mean(variable, map(str, data.columns))}")
    column = data[variable]
    if not pd.api.types.is_numeric_dtype(column.dtype) or \
            pd.api.types.is_bool_dtype(column.dtype):
        raise ArgumentError(f"quantiles need a numeric variable; {variable!r} has dtype "
                          f"{column.dtype}. Recode it to numbers, or use proportion() for "
                          "a categorical variable")
    return column.to_numpy(dtype=float, na_value=np.nan)


def _check_options(qrule: str, interval: str, level: float, replicate: bool) -> None:
    if qrule not in QRULES:
        raise ArgumentError(f"qrule={qrule!r} is not known; use one of {', '.join(QRULES)}")
    if interval not in INTERVALS:
        raise ArgumentError(f"interval={interval!r} is not known; use one of "
                          f"{', '.join(INTERVALS)}")
    if not 0 < level < 1:
        raise ArgumentError(f"level={level!r} must be strictly between 0 and 1, e.g. 0.95")
    if replicate and interval in ("beta", "xlogit", "asin", "score"):
        # R 4.1-1 silently uses the Woodruff "mean" interval for beta/xlogit/asin on a
        # replicate design and has no score interval there; refuse rather than mislabel.
        raise ArgumentError(f"interval={interval!r} is not available for a replicate design "
                          "(as in R's svyquantile); use interval='mean' (Woodruff) or "
                          "'quantile' (replicate quantiles)")
    if not replicate and interval == "quantile":
        raise ArgumentError("interval='quantile' needs replicate weights; convert the design "
                          "with design.replicate(...) or use interval='mean'")


def _degrees_of_freedom(design: SurveyDesign, df: float | str | None) -> float:
    if df is None:
        return np.inf
    if df == "design":
        return float(design.degf)
    if isinstance(df, str):
        raise ArgumentError(f"df={df!r}: use 'design', None (normal quantiles) or a number")
    return float(df)


def _share_interval(method: str, share: np.ndarray, se: np.ndarray, alpha: float, df: float,
                    n_rows: int, design_df: float) -> tuple[np.ndarray, np.ndarray]:
    """Interval for the share ``P(x ≤ q̂)`` as R's ``woodruffCI(method=)``; the beta
    interval's t-ratio uses the design's degrees of freedom whatever ``df`` is, as R."""
    return proportion_interval(method, share, se, 1 - alpha, df, n_rows,
                               design_df=design_df)


def _map_back(sample: _WeightedSample, low: np.ndarray, high: np.ndarray, qrule: str
              ) -> tuple[np.ndarray, np.ndarray]:
    """Share limits → quantile limits; a limit outside [0, 1] (or NaN) gives NaN, as R."""
    low = np.where(np.isnan(low) | (low < 0), np.nan, low)
    high = np.where(np.isnan(high) | (high > 1), np.nan, high)
    return sample.quantile(low, qrule), sample.quantile(high, qrule)


def _woodruff(design: SurveyDesign, values: np.ndarray, member: np.ndarray, sample: _WeightedSample,
              estimate: np.ndarray, probabilities: np.ndarray, qrule: str, method: str,
              alpha: float, df: float) -> tuple[np.ndarray, np.ndarray]:
    below = (values[:, None] <= estimate[None, :]) & member[:, None]
    in_domain = np.repeat(member[:, None].astype(float), len(probabilities), axis=1)
    share, covariance = design.linear_estimate(below.astype(float), in_domain)
    se = np.sqrt(np.clip(np.diag(covariance), 0, None))
    low, high = _share_interval(method, share, se, alpha, df, int(member.sum()),
                                float(design.degf))
    return _map_back(sample, low, high, qrule)


# ---------------------------------------------------------------------- score intervals


def _zeroin(f: Callable[[float], float], lower: float, upper: float, f_lower: float,
            f_upper: float, tol: float, max_iter: int = 1000) -> float:
    """Brent's root finder exactly as R's ``R_zeroin2`` (behind ``uniroot``).

    The score function of a quantile is a step function, so where the root lands between
    two data values decides the interval; following R's iterations step by step makes it
    land where R's does.
    """
    a, b, c = lower, upper, lower
    fa, fb, fc = f_lower, f_upper, f_lower
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(max_iter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _EPSILON * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    raise DataError("score interval: the root search did not converge; use interval='mean'")


def _uniroot(f: Callable[[float], float], lower: float, upper: float, tol: float) -> float:
    """R's ``uniroot(f, c(lower, upper), tol=tol)`` without interval extension."""
    if not lower < upper:
        raise DataError("score interval: the variable has (almost) no spread; use "
                        "interval='mean'")
    f_lower, f_upper = f(lower), f(upper)
    if np.isnan(f_lower) or np.isnan(f_upper) or np.sign(f_lower) * np.sign(f_upper) > 0:
        raise DataError("score interval: the score test does not change sign between the "
                        "smallest and largest values; use interval='mean'")
    return _zeroin(f, lower, upper, f_lower, f_upper, tol)


def _iqr(sorted_values: np.ndarray) -> float:
    """R's ``IQR(x)`` (type-7 quantiles) of already sorted values."""
    n = len(sorted_values)
    index = 1 + (n - 1) * np.array([0.25, 0.75])
    low = np.floor(index).astype(int)
    high = np.ceil(index).astype(int)
    result = sorted_values[low - 1].astype(float)
    for i in range(2):
        upper_value = sorted_values[high[i] - 1]
        if index[i] > low[i] and upper_value != result[i]:
            h = index[i] - low[i]
            result[i] = (1 - h) * result[i] + h * upper_value
    return float(result[1] - result[0])


def _score(design: SurveyDesign, values: np.ndarray, member: np.ndarray, sample: _WeightedSample,
           probabilities: np.ndarray, qrule: str, alpha: float, df: float
           ) -> tuple[np.ndarray, np.ndarray]:
    """Test-inversion interval of Francisco & Fuller, as R's ``ffullerCI``.

    As in R, the search runs between min + IQR/100 and max − IQR/100 of the values, and the
    roots are mapped back through the quantile rule at their *unweighted* share of values.
    """
    ordered = sample.values
    n_rows = len(ordered)
    spread = _iqr(ordered)
    lower, upper = ordered[0] + spread / 100, ordered[-1] - spread / 100
    tol = 1 / (100 * np.sqrt(n_rows))
    limit = float(critical_value(1 - alpha / 2, df))
    weight = member.astype(float)

    def share_at(root: float) -> float:
        count = np.searchsorted(ordered, root, side="right")
        return float(np.longdouble(count) / np.longdouble(n_rows))

    lows, highs = [], []
    for p in probabilities:
        def standardised(theta: float, p: float = p) -> float:
            score = np.where(values > theta, 1.0, 0.0) - (1 - p)
            mean, covariance = design.linear_estimate(score * weight, weight)
            return float(mean[0] / np.sqrt(covariance[0, 0]))

        root_low = _uniroot(lambda t, s=standardised: s(t) - limit, lower, upper, tol)
        root_high = _uniroot(lambda t, s=standardised: s(t) + limit, lower, upper, tol)
        lows.append(share_at(root_low))
        highs.append(share_at(root_high))
    return sample.quantile(np.array(lows), qrule), sample.quantile(np.array(highs), qrule)


# ---------------------------------------------------------------------- replicate quantiles


def _replicate_quantiles(design: SurveyDesign, values: np.ndarray, rows: np.ndarray,
                         estimate: np.ndarray, probabilities: np.ndarray, qrule: str,
                         alpha: float, df: float) -> tuple[np.ndarray, np.ndarray]:
    """Interval from the spread of the quantile under each replicate's weights (R's
    ``repCI``, ``interval.type="quantile"``)."""
    def recompute(matrix: np.ndarray) -> np.ndarray:
        replicates = np.empty((matrix.shape[1], len(probabilities)))
        for r in range(matrix.shape[1]):
            weights = matrix[:, r]
            sample = _WeightedSample.build(values, weights, rows[weights[rows] != 0])
            replicates[r] = sample.quantile(probabilities, qrule)
        return replicates

    # No influence values: a quantile is not smooth, so only replicates give this interval.
    variance = np.diag(design.statistic_covariance(estimate, None, recompute))
    half = np.sqrt(variance) * float(critical_value(1 - alpha / 2, df))
    return estimate - half, estimate + half


# ---------------------------------------------------------------------- public


def _domain_quantiles(design: SurveyDesign, values: np.ndarray, member: np.ndarray,
                      order: np.ndarray, probabilities: np.ndarray, qrule: str,
                      interval: str, alpha: float, df: float | str | None
                      ) -> tuple[pd.DataFrame, float]:
    """Quantiles of one (sub)population ``member`` and the degrees of freedom used."""
    domain = design.subset(member)
    dof = _degrees_of_freedom(domain, df)
    rows = order[member[order]]
    sample = _WeightedSample.build(values, domain.weights, rows)
    estimate = sample.quantile(probabilities, qrule)
    if interval == "score":
        low, high = _score(domain, values, member, sample, probabilities, qrule, alpha, dof)
    elif interval == "quantile":
        low, high = _replicate_quantiles(domain, values, rows, estimate, probabilities,
                                         qrule, alpha, dof)
    else:
        low, high = _woodruff(domain, values, member, sample, estimate, probabilities,
                              qrule, interval, alpha, dof)
    se = (high - low) / (2 * critical_value(1 - alpha / 2, dof))
    frame = pd.DataFrame({"estimate": estimate, "se": se, "ci_low": low, "ci_high": high,
                          "n": np.full(len(probabilities), int(member.sum()))})
    return frame, dof


def quantile(design: SurveyDesign, variable: str, quantiles: float | Sequence[float],
             qrule: str = "math", interval: str = "mean", level: float = 0.95,
             df: float | str | None = "design", by: str | Sequence[str] | None = None
             ) -> pd.DataFrame:
    """Design-based quantiles with confidence intervals (R's ``svyquantile``).

    Parameters
    ----------
    design
        A `SurveyDesign` (or `ReplicateDesign`).
    variable
        A numeric column; respondents with a missing value are left out (``na.rm=TRUE``).
    quantiles
        Probabilities in [0, 1], e.g. ``0.5`` or ``[0.25, 0.5, 0.75]``.
    qrule
        ``"math"`` (default): the smallest value whose weighted cumulative share reaches
        p; ``"school"``: the mean of the two neighbouring values when p·W falls exactly on a
        cumulative weight (else as ``math``).
    interval
        ``"mean"`` (default): Woodruff interval from the Wald interval of the share
        ``P(x ≤ q̂)``; ``"xlogit"``, ``"asin"``: the same on the logit / arcsine scale;
        ``"beta"``: Korn–Graubard interval for the share; ``"score"``: Francisco–Fuller
        test inversion; ``"quantile"`` (replicate designs only): Wald interval with the
        replicate variance of the quantile itself.
    level
        Confidence level.
    df
        Degrees of freedom: ``"design"`` (default, as R: t with the design's degrees of
        freedom, computed for each domain), ``None`` (normal quantiles) or a number.
    by
        Domain variable(s): one set of quantiles per domain (a subpopulation of the design).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``quantile`` (and domain): ``estimate, se, ci_low, ci_high, n`` with
        ``se = (ci_high − ci_low) / (2 t_{(1+level)/2, df})`` and ``n`` the unweighted number
        of respondents; ``.dof`` holds the degrees of freedom used (per domain with
        ``by``). A confidence limit whose share falls outside [0, 1] is NaN, as in R.

    Notes
    -----
    As R's ``qs()``, when p·W lies below the first cumulative weight (p = 0, or p smaller
    than the weight share of the smallest value) the ``math`` rule returns the *second*
    smallest value; surveykit keeps this so lower confidence limits agree with R.

    Examples
    --------
    >>> d.quantile("api00", [0.25, 0.5])                        # doctest: +SKIP
              estimate         se  ci_low  ci_high    n
    quantile
    0.25         552.0  31.471661   492.0    627.0  183
    0.50         652.0  35.667883   561.0    714.0  183
    """
    probabilities = _probabilities(quantiles)
    _check_options(qrule, interval, level, design.uses_replicates)
    values = _numeric_values(design, variable)
    in_use = ~np.isnan(values) & (design.weights != 0)
    candidates = np.flatnonzero(in_use)
    order = candidates[np.argsort(values[candidates], kind="stable")]  # the one sort
    frames, dfs = [], {}
    for key, member in _domains(design, by, in_use, variable):
        frame, dfs[key] = _domain_quantiles(design, values, member, order, probabilities,
                                            qrule, interval, 1 - level, df)
        frames.append(frame)
    if by is None:
        result = frames[0].set_axis(pd.Index(probabilities, name="quantile"))
        return as_estimates(result, None, dfs[None])
    keys = [(*(key if isinstance(key, tuple) else (key,)), p)
            for key in dfs for p in probabilities]
    names = [by] if isinstance(by, str) else list(by)
    result = pd.concat(frames, ignore_index=True)
    result.index = pd.MultiIndex.from_tuples(keys, names=[*names, "quantile"])
    return as_estimates(result, None, dfs)


def _domains(design: SurveyDesign, by: str | Sequence[str] | None, in_use: np.ndarray,
             variable: str) -> list[tuple[object, np.ndarray]]:
    """(domain key, member mask) for each domain; the whole sample when ``by`` is None."""
    if by is None:
        return [(None, in_use)]
    codes, index = domain_codes(design._data, by)
    domains = [(key, in_use & (codes == d)) for d, key in enumerate(index)]
    for key, member in domains:
        if not member.any():
            raise DataError(f"domain {key!r} of {by!r} has no respondent with a value of "
                            f"{variable!r}; drop the domain or check the data")
    return domains
