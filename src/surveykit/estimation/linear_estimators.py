"""Design-based means, totals, ratios and proportions, overall and by domain.

Every estimator here is a ratio of weighted sums (`surveykit.design.LinearStatistic`); the
design computes its covariance (linearisation or replicates), these functions only build the
statistic and the tidy result. Domains are estimated as subpopulations of the whole design
(their respondents' influence values, everyone else zero), never by cutting the design down;
respondents with a missing value are left out as R does with ``na.rm=TRUE``. Results agree
with R's ``svymean``, ``svytotal``, ``svyratio``, ``svyby`` and ``svyciprop``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from surveykit._core.errors import ArgumentError
from surveykit.design.linear import LinearStatistic
from surveykit.estimation.domains import design_matrix, domain_codes
from surveykit.estimation.intervals import confidence_interval, logit_interval, proportion_interval
from surveykit.estimation.results import Estimates, result_frame

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["mean", "proportion", "ratio", "total"]

DF = float | str | np.ndarray | None


def _names(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _label(variable: str, level: object) -> str:
    return variable if level is None else f"{variable}[{level}]"


def _linear(design: SurveyDesign, data: pd.DataFrame, variables: Sequence[str],
            by: str | Sequence[str] | None, ratio: bool,
            denominators: Sequence[str] | None = None
            ) -> tuple[LinearStatistic, pd.Index, np.ndarray, list]:
    """The ratio-of-sums statistic for variables (optionally per domain)."""
    weights = design.weights
    matrix, labels, complete = design_matrix(data, variables)
    if denominators is not None:
        den_matrix, den_labels, den_complete = design_matrix(data, denominators)
        if any(level is not None for _, level in den_labels):
            raise ArgumentError("ratio denominators must be numeric variables")
        complete &= den_complete
        matrix = np.where(complete[:, None], matrix, 0.0)
        den_matrix = np.where(complete[:, None], den_matrix, 0.0)
    in_use = complete & (weights != 0)
    names = [_label(v, level) for v, level in labels]
    if by is None:
        numerator = matrix * in_use[:, None]
        if denominators is not None:
            denominator = den_matrix * in_use[:, None]
        else:
            denominator = np.repeat(in_use[:, None].astype(float), len(names), axis=1) \
                if ratio else None
        counts = np.full(len(names), in_use.sum())
        index = pd.Index(names, name="variable")
        masks = [in_use] * len(names)
        return LinearStatistic(numerator, denominator, names, counts), index, \
            np.array(masks).T, labels
    codes, domains = domain_codes(data, by)
    columns, den_columns, counts, keys, masks = [], [], [], [], []
    for d, domain in enumerate(domains):
        member = in_use & (codes == d)
        for j, name in enumerate(names):
            columns.append(matrix[:, j] * member)
            if denominators is not None:
                den_columns.append(den_matrix[:, j] * member)
            else:
                den_columns.append(member.astype(float))
            counts.append(member.sum())
            masks.append(member)
            keys.append((*(domain if isinstance(domain, tuple) else (domain,)), name))
    numerator = np.column_stack(columns)
    denominator = np.column_stack(den_columns) if (ratio or denominators) else None
    by_names = list(domains.names)
    if len(names) == 1:
        index = pd.Index([k[0] for k in keys], name=by_names[0]) if len(by_names) == 1 \
            else pd.MultiIndex.from_tuples([k[:-1] for k in keys], names=by_names)
    else:
        index = pd.MultiIndex.from_tuples(keys, names=[*by_names, "variable"])
    labels_out = [labels[i % len(labels)] for i in range(len(keys))]
    return (LinearStatistic(numerator, denominator, list(index), np.array(counts)),
            index, np.array(masks).T, labels_out)


def _finish(design: SurveyDesign, statistic: LinearStatistic, index: pd.Index,
            masks: np.ndarray, kind: str, deff: bool | str, level: float, df: DF
            ) -> Estimates:
    estimate, covariance = design.estimate_statistic(statistic, masks)
    dof = df if isinstance(df, np.ndarray) else design.degrees_of_freedom(df)
    se = np.sqrt(np.clip(np.diag(covariance), 0, None))
    design_effect = None
    if deff:
        values = statistic.numerator if kind == "total" else np.where(
            masks, statistic.numerator, 0.0)
        srs = design.srs_variance(values, masks, kind, replace=deff == "replace")
        with np.errstate(divide="ignore", invalid="ignore"):
            design_effect = np.diag(covariance) / srs
    return result_frame(index, estimate, covariance, statistic.n,
                        confidence_interval(estimate, se, level, dof), design_effect, dof)


def mean(design: SurveyDesign, variables: str | Sequence[str],
         by: str | Sequence[str] | None = None, deff: bool | str = True,
         level: float = 0.95, df: DF = None) -> Estimates:
    """Design-based mean(s); a categorical variable gives the share of each level.

    Parameters
    ----------
    design
        A `SurveyDesign` or `ReplicateDesign`.
    variables
        Column name(s).
    by
        Domain variable(s): one estimate per domain, as R's ``svyby``.
    deff
        Design effect against simple random sampling without replacement (``True``,
        with the estimated population size, as R) or with replacement (``"replace"``,
        Kish's form — the meaningful one when weights are scaled to the sample size).
    level
        Confidence level.
    df
        Degrees of freedom of the interval: ``None`` normal quantiles (R's ``confint``
        default), ``"design"`` t with the design's degrees of freedom, or a number.

    Returns
    -------
    Estimates
        ``estimate, se, ci_low, ci_high, deff, n`` indexed by variable or domain; the
        covariance matrix is ``.vcov``, the interval's degrees of freedom ``.dof``.
    """
    statistic, index, masks, _ = _linear(design, design._data, _names(variables), by,
                                         ratio=True)
    return _finish(design, statistic, index, masks, "mean", deff, level, df)


def total(design: SurveyDesign, variables: str | Sequence[str],
          by: str | Sequence[str] | None = None, deff: bool | str = True,
          level: float = 0.95, df: DF = None) -> Estimates:
    """Design-based population total(s); categorical variables give level counts.

    Parameters and result as :func:`mean`.
    """
    statistic, index, masks, _ = _linear(design, design._data, _names(variables), by,
                                         ratio=False)
    return _finish(design, statistic, index, masks, "total", deff, level, df)


def ratio(design: SurveyDesign, numerator: str | Sequence[str],
          denominator: str | Sequence[str], by: str | Sequence[str] | None = None,
          deff: bool | str = True, level: float = 0.95, df: DF = None) -> Estimates:
    """Ratio of two population totals, ``Σ w·y / Σ w·x`` (R's ``svyratio``).

    Respondents missing either variable are left out of both totals. The design effect
    is that of the total of the linearised ratio ``(y − R·x)/X̂``, as R computes it.
    """
    numerators, denominators = _names(numerator), _names(denominator)
    if len(denominators) != len(numerators):
        if len(denominators) != 1:
            raise ArgumentError("give one denominator, or one per numerator")
        denominators = denominators * len(numerators)
    statistic, index, masks, _ = _linear(design, design._data, numerators, by, ratio=True,
                                         denominators=denominators)
    names = [f"{n}/{d}" for n, d in zip(numerators, denominators, strict=True)]
    if by is None:
        index = pd.Index(names, name="ratio")
    frame = _finish(design, statistic, index, masks, "ratio", False, level, df)
    if deff:
        estimate = frame["estimate"].to_numpy()
        totals = design.weights @ statistic.denominator
        linearised = (statistic.numerator - statistic.denominator * estimate) / totals
        srs = design.srs_variance(linearised, masks, "total", replace=deff == "replace")
        with np.errstate(divide="ignore", invalid="ignore"):
            frame["deff"] = (frame["se"].to_numpy() ** 2) / srs
    return frame


def proportion(design: SurveyDesign, variable: str, by: str | Sequence[str] | None = None,
               level: float = 0.95, df: DF = "design", method: str = "logit",
               deff: bool | str = True) -> Estimates:
    """Share of every level of a categorical variable, with intervals for proportions.

    Parameters
    ----------
    design
        A `SurveyDesign` or `ReplicateDesign`.
    variable
        A categorical (or binary 0/1) column.
    by
        Domain variable(s).
    level
        Confidence level.
    df
        Degrees of freedom (default: the design's, as R's ``svyciprop``). ``"domain"``:
        each domain's own, the design degrees of freedom of the subpopulation (its PSUs
        minus its strata, counting respondents with a missing value of ``variable``) —
        what R's ``svyby(..., svyciprop)`` uses, since it hands ``svyciprop`` each domain
        as a subset design.
    method
        Interval: ``"logit"`` (default; R's ``svyciprop`` logit interval, inside
        [0, 1]), ``"wald"`` (symmetric), ``"asin"``, or ``"beta"`` (Korn–Graubard); see
        `surveykit.estimation.intervals.proportion_interval`. In a replicate design the
        logit interval's SE is the replicate spread of the replicate logits, as R's
        ``svyciprop`` gets it from ``svyglm``.

    Returns
    -------
    Estimates
        Indexed by level (and domain): ``estimate, se, ci_low, ci_high, deff, n``
        (``n`` is the unweighted base) and ``count`` (respondents in the level).
    """
    data = design._data
    if variable not in data.columns:
        design_matrix(data, [variable])  # raises the did-you-mean error
    values = data[variable]
    if not isinstance(values.dtype, pd.CategoricalDtype) and \
            pd.api.types.is_numeric_dtype(values.dtype):
        data = data.assign(**{variable: values.astype("category")})
    statistic, index, masks, labels = _linear(design, data, [variable], by, ratio=True)
    levels = [level_ for _, level_ in labels]
    if isinstance(df, str) and df == "domain":
        df = _domain_degrees_of_freedom(design, data, by, len(levels))
    if by is None:
        index = pd.Index(levels, name=variable)
    else:
        _, domains = domain_codes(data, by)
        tuples = [(*(d if isinstance(d, tuple) else (d,)), lv)
                  for d in domains for lv in levels[: len(levels) // len(domains)]]
        index = pd.MultiIndex.from_tuples(tuples, names=[*domains.names, variable])
    frame = _finish(design, statistic, index, masks, "mean", deff, level, df)
    share, se = frame["estimate"].to_numpy(), frame["se"].to_numpy()
    if method in ("logit", "xlogit"):
        low, high = _logit_interval(design, statistic, share, level, frame.dof, masks)
    else:
        low, high = proportion_interval(method, share, se, level, frame.dof, design.n)
    frame["ci_low"], frame["ci_high"] = low, high
    frame["count"] = (statistic.numerator != 0).sum(axis=0)
    return frame


def _domain_degrees_of_freedom(design: SurveyDesign, data: pd.DataFrame,
                               by: str | Sequence[str] | None, columns: int) -> np.ndarray:
    """Per estimate the design df of its domain as a subset design (R's ``degf`` of
    ``subset(design, domain)``); the whole design's without domains."""
    if by is None:
        return np.full(columns, float(design.degf))
    codes, domains = domain_codes(data, by)
    per_domain = [float(design.subset((codes == d) & (design.weights != 0)).degf)
                  if ((codes == d) & (design.weights != 0)).any() else np.nan
                  for d in range(len(domains))]
    return np.repeat(per_domain, columns // len(domains))


def _logit_interval(design: SurveyDesign, statistic: LinearStatistic, share: np.ndarray,
                    level: float, dof: float | None, masks: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The logit interval with the SE of ``logit(p)`` from the design's variance method.

    The design chooses: linearisation uses the influence values of ``logit(p)``, those of
    ``p`` divided by ``p(1 − p)`` (the delta method, as R's quasi-binomial ``svyglm``);
    a replicate design recomputes the logit with every replicate's weights (R's
    ``svyciprop`` on a replicate design).
    """
    weights = design.weights
    with np.errstate(divide="ignore", invalid="ignore"):
        full = np.log(share / (1 - share))
        slope = 1 / (share * (1 - share))
        influence = statistic.influence(weights) * np.where(np.isfinite(slope), slope, 0.0)

    def replicate_logits(replicate_weights: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            replicates = statistic.estimate(replicate_weights)
            return np.log(replicates / (1 - replicates))

    covariance = design.statistic_covariance(full, influence, replicate_logits, masks)
    se_logit = np.sqrt(np.clip(np.diag(covariance), 0, None))
    return logit_interval(share, se_logit, level, dof, se_is_logit=True)
