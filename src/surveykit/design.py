"""`SurveyDesign`: a survey sample with its sampling design, and the estimators on it.

A design is immutable: every adjustment (raking, calibration, trimming, a lonely-PSU option,
a replicate conversion) returns a new design and leaves this one as it was. Estimates are
design-based and agree with R's ``survey`` package (``svydesign``, ``svymean``, ``svytotal``,
``svyratio``, ``svyby``, ``svyciprop``) on the same data and design.

Examples
--------
>>> import surveykit as sk
>>> d = sk.SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")  # doctest: +SKIP
>>> d.mean("api00")                                                        # doctest: +SKIP
       estimate        se    ci_low   ci_high      deff    n
api00  662.2874  9.408823  643.8466  680.7283  0.915616  200
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from surveykit.errors import ConfigError, DataError
from surveykit.estimation import (
    LinearStatistic,
    confidence_interval,
    design_matrix,
    domain_codes,
    proportion_interval,
    result_frame,
)
from surveykit.structure import Structure, build_structure
from surveykit.variance import LONELY_PSU_OPTIONS, VarianceAdjustment, taylor_covariance

__all__ = ["SurveyDesign"]

DF = float | str | None


def _names(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _label(variable: str, level: object) -> str:
    return variable if level is None else f"{variable}[{level}]"


class SurveyDesign:
    """A sample with its design: weights, strata, clusters (multi-stage) and fpc.

    Parameters
    ----------
    data
        One row per respondent.
    weights
        Column of sampling weights (inverse inclusion probabilities). ``None``: implied by
        ``fpc`` (product over stages of N/n), or equal weights when there is no fpc either.
    strata
        Column of first-stage strata, or one column per stage.
    ids
        Cluster ids: ``None`` (each respondent is its own PSU), a column, or a list of
        columns for multi-stage samples (PSU, SSU, …).
    fpc
        Finite population correction per stage: population sizes (number of PSUs in the
        stratum, SSUs in the PSU …) if all values exceed 1, sampling fractions if all are at
        most 1, as in R's ``svydesign``.
    nest
        Make PSU ids unique within strata (R's ``nest=TRUE``) when PSUs are numbered within
        strata.
    lonely_psu
        Strata with a single PSU: ``"fail"`` (default), ``"remove"``, ``"adjust"``,
        ``"average"`` or ``"certainty"`` (R's ``survey.lonely.psu``).
    """

    def __init__(
        self,
        data: pd.DataFrame,
        weights: str | None = None,
        strata: str | Sequence[str] | None = None,
        ids: str | Sequence[str] | None = None,
        fpc: str | Sequence[str] | None = None,
        nest: bool = False,
        lonely_psu: str = "fail",
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise ConfigError("SurveyDesign needs a pandas DataFrame")
        if len(data) == 0:
            raise DataError("SurveyDesign: the data has no rows")
        if lonely_psu not in LONELY_PSU_OPTIONS:
            raise ConfigError(f"lonely_psu={lonely_psu!r} is not an option; use one of "
                              f"{', '.join(LONELY_PSU_OPTIONS)}")
        frame = data.reset_index(drop=True)
        structure = build_structure(frame, ids, strata, fpc, nest)
        if weights is not None:
            if weights not in frame.columns:
                raise ConfigError(f"SurveyDesign: weights={weights!r} is not a column")
            values = pd.to_numeric(frame[weights], errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(values) | (values <= 0)
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                shown = frame[weights].iloc[row]
                shown = shown.item() if hasattr(shown, "item") else shown
                raise DataError(
                    f"SurveyDesign: weight {weights!r} is {shown!r} in row "
                    f"{row + 1}; sampling weights must be positive numbers"
                )
        elif structure.population is not None:
            values = structure.fpc_weights()
        else:
            values = np.ones(len(frame))
        self._init(frame, structure, values, (), lonely_psu,
                   {"weights": weights, "strata": strata, "ids": ids, "fpc": fpc,
                    "nest": nest})

    def _init(self, data: pd.DataFrame, structure: Structure, weights: np.ndarray,
              adjustments: tuple[VarianceAdjustment, ...], lonely_psu: str,
              spec: dict[str, Any]) -> None:
        weights = np.array(weights, dtype=float)
        weights.setflags(write=False)
        self._data = data
        self._structure = structure
        self._weights = weights
        self._adjustments = adjustments
        self._lonely_psu = lonely_psu
        self._spec = spec

    def _derive(self, weights: np.ndarray | None = None,
                adjustment: VarianceAdjustment | None = None,
                lonely_psu: str | None = None) -> SurveyDesign:
        """A new design sharing data and structure, with new weights and/or options."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        adjustments = self._adjustments + ((adjustment,) if adjustment is not None else ())
        SurveyDesign._init(new, self._data, self._structure,
                           self._weights if weights is None else weights, adjustments,
                           lonely_psu or self._lonely_psu, self._spec)
        return new

    # ------------------------------------------------------------------ properties

    @property
    def data(self) -> pd.DataFrame:
        """The respondents' data (a copy: the design cannot be changed through it)."""
        return self._data.copy()

    @property
    def weights(self) -> np.ndarray:
        """Current analysis weights (after any adjustment); zero outside a subset."""
        return self._weights

    @property
    def structure(self) -> Structure:
        """The stage structure (integer codes) used by the variance engine."""
        return self._structure

    @property
    def lonely_psu(self) -> str:
        return self._lonely_psu

    @property
    def adjustments(self) -> tuple[VarianceAdjustment, ...]:
        """Weight adjustments applied so far, in order (they enter the variance)."""
        return self._adjustments

    @property
    def n(self) -> int:
        """Number of respondents with a non-zero weight."""
        return int((self._weights != 0).sum())

    @property
    def degf(self) -> int:
        """Design degrees of freedom: PSUs minus strata (among non-zero weights), as R."""
        inset = self._weights != 0
        return int(len(pd.unique(self._structure.clusters[0][inset]))
                   - len(pd.unique(self._structure.strata[0][inset])))

    def __repr__(self) -> str:
        spec = ", ".join(f"{k}={v!r}" for k, v in self._spec.items() if v not in (None, False))
        return (f"<{type(self).__name__} n={self.n}, {spec or 'simple random sample'}, "
                f"{len(self._adjustments)} adjustment(s)>")

    # ------------------------------------------------------------------ derived designs

    def with_lonely_psu(self, option: str) -> SurveyDesign:
        """The same design with another lonely-PSU option."""
        if option not in LONELY_PSU_OPTIONS:
            raise ConfigError(f"lonely_psu={option!r} is not an option; use one of "
                              f"{', '.join(LONELY_PSU_OPTIONS)}")
        return self._derive(lonely_psu=option)

    def with_data(self, data: pd.DataFrame) -> SurveyDesign:
        """The same design (weights, strata, clusters, adjustments) with other data for its
        respondents — e.g. a completed data set from multiple imputation. The rows must be
        the same respondents in the same order."""
        if len(data) != len(self._data):
            raise DataError(f"with_data: {len(data)} rows given for a design of "
                            f"{len(self._data)} respondents; give one row per respondent")
        new = self._derive()
        new._data = data.reset_index(drop=True)
        return new

    def subset(self, mask: np.ndarray | pd.Series) -> SurveyDesign:
        """A subpopulation: respondents outside ``mask`` keep their place in the design
        with weight zero (R's ``subset()``), so variances stay those of a domain. A missing
        value in the mask counts as outside."""
        if isinstance(mask, pd.Series):
            mask = mask.fillna(False) if mask.dtype != bool else mask
            mask = mask.to_numpy(dtype=bool, na_value=False)
        keep = np.asarray(mask, dtype=bool)
        if keep.shape != self._weights.shape:
            raise ConfigError("subset mask must have one entry per respondent")
        return self._derive(weights=np.where(keep, self._weights, 0.0))

    # ------------------------------------------------------------------ variance

    def covariance(self, influence: np.ndarray, present: np.ndarray | None = None
                   ) -> np.ndarray:
        """Design-based covariance of estimates with the given influence values.

        ``present`` (n × k) marks the respondents of each estimate's (sub)population; it
        matters only for ``lonely_psu="average"``.
        """
        if present is None:
            present = self._weights != 0
        return taylor_covariance(influence, self._structure, self._lonely_psu,
                                 self._adjustments, present)

    def _estimate_with_covariance(self, statistic: LinearStatistic, present: np.ndarray
                                  ) -> tuple[np.ndarray, np.ndarray]:
        estimate = statistic.estimate(self._weights)
        return estimate, self.covariance(statistic.influence(self._weights), present)

    def linear_estimate(self, numerator: np.ndarray, denominator: np.ndarray | None = None,
                        present: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Estimates ``Σ w·y / Σ w·x`` (totals if ``denominator`` is None) and covariance.

        The building block for estimators outside this class (quantiles, tests, models):
        it uses linearisation here and the replicate weights in a replicate design.

        Parameters
        ----------
        numerator, denominator
            n × k arrays (zero where a respondent does not count).
        present
            n × k mask of respondents in each estimate's (sub)population (default: all
            with a non-zero weight).
        """
        numerator = np.asarray(numerator, dtype=float)
        if numerator.ndim == 1:
            numerator = numerator[:, None]
        if denominator is not None:
            denominator = np.asarray(denominator, dtype=float)
            if denominator.ndim == 1:
                denominator = denominator[:, None]
        statistic = LinearStatistic(numerator, denominator, [], np.zeros(numerator.shape[1]))
        if present is None:
            present = np.repeat((self._weights != 0)[:, None], numerator.shape[1], axis=1)
        return self._estimate_with_covariance(statistic, present)

    def _adjusted(self, adjust: Callable[[np.ndarray], tuple[np.ndarray,
                                                            VarianceAdjustment | None]]
                  ) -> SurveyDesign:
        """A design with weights ``adjust(weights)``; the adjustment enters the variance.

        ``adjust`` maps a weight vector to the new weights and the `VarianceAdjustment`
        that linearisation needs. A replicate design applies it to every replicate too.
        """
        weights, adjustment = adjust(self._weights)
        return self._derive(weights=weights, adjustment=adjustment)

    # ------------------------------------------------------------------ weighting

    def rake(self, margins: Mapping[str, Mapping[Any, float]], tol: float = 1e-8,
             max_iter: int = 100) -> SurveyDesign:
        """Rake to population margins ``{variable: {level: count}}`` (iterative
        proportional fitting, R's ``rake``); see `surveykit.weighting.rake`."""
        from surveykit import weighting

        return weighting.rake(self, margins, tol=tol, max_iter=max_iter)

    def poststratify(self, strata: str | Sequence[str], population: Any) -> SurveyDesign:
        """Post-stratify to population counts (R's ``postStratify``); see
        `surveykit.weighting.poststratify`."""
        from surveykit import weighting

        return weighting.poststratify(self, strata, population)

    def calibrate(self, population: Mapping[str, Any], method: str = "linear",
                  bounds: tuple[float, float] | None = None, **options: Any) -> SurveyDesign:
        """Calibrate to population totals (R's ``calibrate``: linear/GREG, raking, logit,
        bounds on g = new/old weight); see `surveykit.weighting.calibrate`."""
        from surveykit import weighting

        return weighting.calibrate(self, population, method=method, bounds=bounds, **options)

    def trim_weights(self, lower: float | None = None, upper: float | None = None,
                     strict: bool = False) -> SurveyDesign:
        """Trim weights to [lower, upper] and spread the excess (R's ``trimWeights``); see
        `surveykit.weighting.trim_weights`."""
        from surveykit import weighting

        return weighting.trim_weights(self, lower=lower, upper=upper, strict=strict)

    def replicate(self, type: str = "JK1", replicates: int | None = None,
                  seed: int | None = None, mse: bool = False) -> SurveyDesign:
        """This design with replicate weights (R's ``as.svrepdesign``): ``"JK1"``,
        ``"JKn"`` or ``"bootstrap"`` (Rao–Wu); see `surveykit.replicate.replicate_design`.
        The result has the same methods; its variances come from the replicates."""
        from surveykit.replicate import replicate_design

        return replicate_design(self, type=type, replicates=replicates, seed=seed, mse=mse)

    # ------------------------------------------------------------------ models

    def logit(self, formula: str) -> Any:
        """Design-based logistic regression (R's ``svyglm(family=quasibinomial())``); see
        `surveykit.models.glm.fit_glm`. Returns a `GLMResult`: ``params``, ``bse``,
        ``cov``, ``summary()``, ``odds_ratios()``, ``wald_test()``,
        ``marginal_effects()``, ``predict()``, ``pseudo_r2()``, ``vif()``."""
        from surveykit.models.glm import fit_glm

        return fit_glm(self, formula, family="binomial")

    def glm(self, formula: str, family: str = "gaussian") -> Any:
        """Design-based GLM, ``family="gaussian"`` (linear) or ``"binomial"`` (R's
        ``svyglm``); see `surveykit.models.glm.fit_glm`."""
        from surveykit.models.glm import fit_glm

        return fit_glm(self, formula, family=family)

    def ordinal_logit(self, formula: str, link: str = "logit",
                      levels: Sequence[Any] | None = None) -> Any:
        """Design-based proportional-odds model (R's ``svyolr``), cut-points ``"a|b"``;
        ``levels`` orders a text outcome. See `surveykit.models.ordinal.fit_ordinal`."""
        from surveykit.models.ordinal import fit_ordinal

        return fit_ordinal(self, formula, link=link, levels=levels)

    def multinomial_logit(self, formula: str, reference: Any = None,
                          levels: Sequence[Any] | None = None) -> Any:
        """Design-based multinomial (baseline-category) logit; see
        `surveykit.models.multinomial.fit_multinomial`."""
        from surveykit.models.multinomial import fit_multinomial

        return fit_multinomial(self, formula, reference=reference, levels=levels)

    # ------------------------------------------------------------------ other estimators

    def quantile(self, variable: str, quantiles: float | Sequence[float], **options: Any
                 ) -> pd.DataFrame:
        """Quantiles with Woodruff intervals (R's ``svyquantile``); see
        `surveykit.quantiles.quantile`."""
        from surveykit import quantiles as quantile_module

        return quantile_module.quantile(self, variable, quantiles, **options)

    def chisq(self, row: str, column: str, statistic: str = "F", **options: Any) -> Any:
        """Rao–Scott test of independence in a two-way table (R's ``svychisq``); see
        `surveykit.rao_scott.chisq`."""
        from surveykit import rao_scott

        return rao_scott.chisq(self, row, column, statistic=statistic, **options)

    def _degrees_of_freedom(self, df: DF) -> float | None:
        if df is None:
            return None
        if df == "design":
            return float(self.degf)
        return float(df)

    # ------------------------------------------------------------------ estimators

    def _linear(self, variables: Sequence[str], by: str | Sequence[str] | None,
                ratio: bool, denominators: Sequence[str] | None = None
                ) -> tuple[LinearStatistic, pd.Index, np.ndarray, list]:
        """Build the ratio-of-sums statistic for variables (optionally per domain)."""
        matrix, labels, complete = design_matrix(self._data, variables)
        if denominators is not None:
            den_matrix, den_labels, den_complete = design_matrix(self._data, denominators)
            if any(level is not None for _, level in den_labels):
                raise ConfigError("ratio denominators must be numeric variables")
            complete &= den_complete
            matrix = np.where(complete[:, None], matrix, 0.0)
            den_matrix = np.where(complete[:, None], den_matrix, 0.0)
        in_use = complete & (self._weights != 0)
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
        codes, domains = domain_codes(self._data, by)
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

    def _srs_variance(self, statistic: LinearStatistic, masks: np.ndarray,
                      values: np.ndarray, kind: str, deff: bool | str) -> np.ndarray:
        """Variance under simple random sampling, the denominator of the design effect."""
        weights = self._weights[:, None] * masks
        nobs = masks.sum(axis=0).astype(float)
        psum = weights.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = (weights * values).sum(axis=0) / psum
            spread = (weights * (values - mean) ** 2).sum(axis=0) / psum
            variance = spread * nobs / (nobs - 1)
            scale = psum**2 if kind == "total" else 1.0
            if deff == "replace":
                return variance * scale / nobs
            return variance * scale * (psum - nobs) / (psum * nobs)

    def _finish(self, statistic: LinearStatistic, index: pd.Index, masks: np.ndarray,
                kind: str, deff: bool | str, level: float, df: DF) -> pd.DataFrame:
        estimate, covariance = self._estimate_with_covariance(statistic, masks)
        dof = self._degrees_of_freedom(df)
        se = np.sqrt(np.clip(np.diag(covariance), 0, None))
        design_effect = None
        if deff:
            values = statistic.numerator if kind == "total" else np.where(
                masks, statistic.numerator, 0.0)
            srs = self._srs_variance(statistic, masks, values, kind, deff)
            with np.errstate(divide="ignore", invalid="ignore"):
                design_effect = np.diag(covariance) / srs
        return result_frame(index, estimate, covariance, statistic.n,
                            confidence_interval(estimate, se, level, dof), design_effect, dof)

    def mean(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None,
             deff: bool | str = True, level: float = 0.95, df: DF = None) -> pd.DataFrame:
        """Design-based mean(s); a categorical variable gives the share of each level.

        Parameters
        ----------
        variables
            Column name(s).
        by
            Domain variable(s): one estimate per domain, as R's ``svyby``.
        deff
            Design effect against simple random sampling without replacement (``True``,
            with the estimated population size, as R) or with replacement (``"replace"``).
        level
            Confidence level.
        df
            Degrees of freedom of the interval: ``None`` normal quantiles (R's ``confint``
            default), ``"design"`` t with the design's degrees of freedom, or a number.

        Returns
        -------
        pandas.DataFrame
            ``estimate, se, ci_low, ci_high, deff, n`` indexed by variable or domain; the
            covariance matrix is in ``.attrs["vcov"]``.
        """
        statistic, index, masks, _ = self._linear(_names(variables), by, ratio=True)
        return self._finish(statistic, index, masks, "mean", deff, level, df)

    def total(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None,
              deff: bool | str = True, level: float = 0.95, df: DF = None) -> pd.DataFrame:
        """Design-based population total(s); categorical variables give level counts.

        Parameters and result as :meth:`mean`.
        """
        statistic, index, masks, _ = self._linear(_names(variables), by, ratio=False)
        return self._finish(statistic, index, masks, "total", deff, level, df)

    def ratio(self, numerator: str | Sequence[str], denominator: str | Sequence[str],
              by: str | Sequence[str] | None = None, deff: bool | str = True,
              level: float = 0.95, df: DF = None) -> pd.DataFrame:
        """Ratio of two population totals, ``Σ w·y / Σ w·x`` (R's ``svyratio``).

        Respondents missing either variable are left out of both totals. The design effect
        is that of the total of the linearised ratio ``(y − R·x)/X̂``, as R computes it.
        """
        numerators, denominators = _names(numerator), _names(denominator)
        if len(denominators) != len(numerators):
            if len(denominators) != 1:
                raise ConfigError("give one denominator, or one per numerator")
            denominators = denominators * len(numerators)
        statistic, index, masks, _ = self._linear(numerators, by, ratio=True,
                                                  denominators=denominators)
        names = [f"{n}/{d}" for n, d in zip(numerators, denominators, strict=True)]
        if by is None:
            index = pd.Index(names, name="ratio")
        frame = self._finish(statistic, index, masks, "ratio", False, level, df)
        if deff:
            estimate = frame["estimate"].to_numpy()
            totals = self._weights @ statistic.denominator
            linearised = (statistic.numerator - statistic.denominator * estimate) / totals
            srs = self._srs_variance(statistic, masks, linearised, "total", deff)
            with np.errstate(divide="ignore", invalid="ignore"):
                frame["deff"] = (frame["se"].to_numpy() ** 2) / srs
        return frame

    def proportion(self, variable: str, by: str | Sequence[str] | None = None,
                   level: float = 0.95, df: DF = "design", method: str = "logit"
                   ) -> pd.DataFrame:
        """Share of every level of a categorical variable, with intervals for proportions.

        Parameters
        ----------
        variable
            A categorical (or binary 0/1) column.
        by
            Domain variable(s).
        level
            Confidence level.
        df
            Degrees of freedom (default: the design's, as R's ``svyciprop``).
        method
            Interval: ``"logit"`` (default; R's ``svyciprop`` logit interval, inside
            [0, 1]), ``"wald"`` (symmetric), ``"asin"``, or ``"beta"`` (Korn–Graubard); see
            `surveykit.estimation.proportion_interval`.

        Returns
        -------
        pandas.DataFrame
            Indexed by level (and domain): ``estimate, se, ci_low, ci_high, deff, n``
            (``n`` is the unweighted base) and ``count`` (respondents in the level).
        """
        values = self._data[variable] if variable in self._data.columns else None
        if values is None:
            design_matrix(self._data, [variable])  # raises the did-you-mean error
        categorical = values
        if not isinstance(values.dtype, pd.CategoricalDtype) and \
                pd.api.types.is_numeric_dtype(values.dtype):
            categorical = values.astype("category")
        data = self._data.assign(**{variable: categorical})
        design = self._derive()
        design._data = data
        statistic, index, masks, labels = design._linear([variable], by, ratio=True)
        levels = [level_ for _, level_ in labels]
        if by is None:
            index = pd.Index(levels, name=variable)
        else:
            _, domains = domain_codes(data, by)
            tuples = [(*(d if isinstance(d, tuple) else (d,)), lv)
                      for d in domains for lv in levels[: len(levels) // len(domains)]]
            index = pd.MultiIndex.from_tuples(tuples, names=[*domains.names, variable])
        frame = design._finish(statistic, index, masks, "mean", True, level, df)
        low, high = proportion_interval(method, frame["estimate"].to_numpy(),
                                        frame["se"].to_numpy(), level, frame.attrs["df"],
                                        self.n)
        frame["ci_low"], frame["ci_high"] = low, high
        frame["count"] = (statistic.numerator != 0).sum(axis=0)
        return frame
