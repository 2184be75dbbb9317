"""`SurveyDesign`: a survey sample with its sampling design and its one variance dispatch.

A design is immutable: every adjustment (raking, calibration, trimming, a lonely-PSU option,
a replicate conversion) returns a new design and leaves this one as it was.

The design decides *how* a variance is computed — Taylor linearisation through the variance
engine here, or the spread of replicate estimates in a `ReplicateDesign` — and nothing else
does: estimators and models hand it influence values and a way to recompute their statistic
(:meth:`SurveyDesign.linear_estimate`, :meth:`SurveyDesign.statistic_covariance`), never
``isinstance`` checks. The SRS variance that the design effect divides by lives beside it
(:meth:`SurveyDesign.srs_variance`).

The verbs a user calls on a design (``mean``, ``rake``, ``logit`` …) are implemented in the
layers above (`surveykit.estimation`, `surveykit.weighting`, `surveykit.models`), which
import this module; the methods here only forward to them and import them when called, so
that importing the design loads none of them. Estimates agree with R's ``survey`` package
(``svydesign``, ``svymean``, ``svytotal``, ``svyratio``, ``svyby``, ``svyciprop``).

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

from surveykit._core.errors import ArgumentError, ArgumentTypeError, DataError
from surveykit._core.messages import did_you_mean
from surveykit.design.linear import LinearStatistic
from surveykit.design.sparse_variance import ProjectedInfluence
from surveykit.design.structure import Structure, build_structure, count_distinct
from surveykit.design.variance import (
    LONELY_PSU_OPTIONS,
    VarianceAdjustment,
    taylor_covariance,
)

__all__ = ["SurveyDesign", "subset_mask"]

DF = float | str | None

#: Recomputes a statistic with an n × R matrix of weights; returns R × k estimates.
Recompute = Callable[[np.ndarray], np.ndarray]


def subset_mask(mask: Any, n_rows: int) -> np.ndarray:
    """A boolean vector from a subset mask; a missing value (NaN, None, ``pd.NA``) is False.

    Both design classes use this, so a mask means the same in a linearisation and a
    replicate design.
    """
    if isinstance(mask, (np.ndarray, pd.Series)) and mask.dtype == bool:
        keep = np.array(mask, dtype=bool)  # already true/false: no round trip via objects
    else:
        try:
            values = pd.Series(np.asarray(mask, dtype=object)
                               if not isinstance(mask, pd.Series)
                               else mask.to_numpy(dtype=object))
            keep = values.astype("boolean").fillna(False).to_numpy(dtype=bool)
        except (TypeError, ValueError):
            raise ArgumentError("a subset mask must be true/false (or 0/1) per respondent; "
                                "missing values count as outside") from None
    if keep.shape != (n_rows,):
        raise ArgumentError(f"a subset mask needs one entry per respondent ({n_rows}), not "
                            f"{keep.shape[0] if keep.ndim else 0}")
    return keep


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
            raise ArgumentTypeError("SurveyDesign needs a pandas DataFrame, not "
                                    f"{type(data).__name__}")
        if len(data) == 0:
            raise DataError("SurveyDesign: the data has no rows")
        if lonely_psu not in LONELY_PSU_OPTIONS:
            raise ArgumentError(f"lonely_psu={lonely_psu!r} is not an option; use one of "
                              f"{', '.join(LONELY_PSU_OPTIONS)}")
        frame = data.reset_index(drop=True)
        structure = build_structure(frame, ids, strata, fpc, nest)
        if weights is not None:
            if weights not in frame.columns:
                raise ArgumentError(f"SurveyDesign: weights={weights!r} is not a column"
                                    f"{did_you_mean(weights, map(str, frame.columns))}")
            values = pd.to_numeric(frame[weights], errors="coerce").to_numpy(dtype=float)
            # (the smallest positive and the largest finite say it in two reductions; a
            # missing value makes both comparisons false)
            if not (len(values) == 0 or (values.min() > 0 and np.isfinite(values.max()))):
                bad = ~np.isfinite(values) | (values <= 0)
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
        self._degf: int | None = None  # computed on first use; a design never changes

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
        if self._degf is None:
            inset = self._weights != 0
            clusters, strata = self._structure.clusters[0], self._structure.strata[0]
            if inset.all():  # the structure's codes are 0 … k−1, each used
                self._degf = int(clusters.max()) - int(strata.max())
            else:
                self._degf = count_distinct(clusters[inset]) - count_distinct(strata[inset])
        return self._degf

    def __repr__(self) -> str:
        spec = ", ".join(f"{k}={v!r}" for k, v in self._spec.items() if v not in (None, False))
        return (f"<{type(self).__name__} n={self.n}, {spec or 'simple random sample'}, "
                f"{len(self._adjustments)} adjustment(s)>")

    # ------------------------------------------------------------------ derived designs

    def with_lonely_psu(self, option: str) -> SurveyDesign:
        """The same design with another lonely-PSU option."""
        if option not in LONELY_PSU_OPTIONS:
            raise ArgumentError(f"lonely_psu={option!r} is not an option; use one of "
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
        value in the mask (NaN, None, ``pd.NA``) counts as outside."""
        keep = subset_mask(mask, len(self._weights))
        return self._derive(weights=np.where(keep, self._weights, 0.0))

    def with_weights(self, weights: np.ndarray,
                     adjustments: Sequence[VarianceAdjustment] = ()) -> SurveyDesign:
        """The same design with final weights computed elsewhere (e.g. read back from the
        weighting step) and the variance adjustments that produced them, in order."""
        values = np.asarray(weights, dtype=float)
        if values.shape != self._weights.shape:
            raise ArgumentError(f"with_weights: {values.shape[0] if values.ndim else 0} "
                                f"weights for {len(self._weights)} respondents")
        if not np.isfinite(values).all() or (values < 0).any():
            raise DataError("with_weights: weights must be finite and non-negative")
        new = self._derive(weights=values)
        new._adjustments = self._adjustments + tuple(adjustments)
        return new

    # ------------------------------------------------------------------ variance

    @property
    def uses_replicates(self) -> bool:
        """Whether variances come from replicate weights (False: Taylor linearisation).

        Only methods whose *procedure* differs between the two (quantile intervals, as in
        R) read this; variances themselves go through :meth:`statistic_covariance`."""
        return False

    def variance(self, influence: np.ndarray, present: np.ndarray | None = None
                 ) -> np.ndarray:
        """Linearisation covariance of estimates with the given influence values (n × k;
        a scipy.sparse matrix is used as such where the design allows).

        ``present`` (n × k) marks the respondents of each estimate's (sub)population; it
        matters only for ``lonely_psu="average"``. Weight adjustments (raking,
        calibration …) enter through their residualisation.
        """
        if present is None:
            present = self._weights != 0
        if not hasattr(influence, "tocsc") and not isinstance(influence, ProjectedInfluence):
            # scipy.sparse matrices (and sparse times dense) pass as they are
            influence = np.asarray(influence, dtype=float)
        return taylor_covariance(influence, self._structure, self._lonely_psu,
                                 self._adjustments, present)

    def statistic_covariance(self, estimate: np.ndarray, influence: np.ndarray | None,
                             recompute: Recompute | None, present: np.ndarray | None = None
                             ) -> np.ndarray:
        """Covariance of any statistic: the one place that chooses how to compute it.

        Parameters
        ----------
        estimate
            The statistic at the design's weights (k,).
        influence
            Its influence values (n × k), used by linearisation.
        recompute
            Recomputes the statistic with an n × R matrix of weights (→ R × k); used by a
            replicate design (R's ``svrVar`` over the replicate estimates).
        present
            n × k mask of each estimate's (sub)population.
        """
        if influence is None:
            raise ArgumentError("this statistic has no influence values, so its variance "
                                "needs replicate weights; use design.replicate(...)")
        return self.variance(influence, present)

    def _estimate_with_covariance(self, statistic: LinearStatistic, present: np.ndarray
                                  ) -> tuple[np.ndarray, np.ndarray]:
        estimate = statistic.estimate(self._weights)
        return estimate, self.variance(statistic.influence(self._weights), present)

    def linear_estimate(self, numerator: np.ndarray, denominator: np.ndarray | None = None,
                        present: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Estimates ``Σ w·y / Σ w·x`` (totals if ``denominator`` is None) and covariance.

        The building block for estimators (means, quantiles, tests, models): it uses
        linearisation here and the replicate weights in a replicate design.

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

    def estimate_statistic(self, statistic: LinearStatistic, present: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
        """Estimates and covariance of a prepared `LinearStatistic` (see
        :meth:`linear_estimate`)."""
        return self._estimate_with_covariance(statistic, present)

    def srs_variance(self, values: np.ndarray, masks: np.ndarray, kind: str,
                     replace: bool) -> np.ndarray:
        """Variance under simple random sampling: the denominator of the design effect.

        Parameters
        ----------
        values
            n × k values whose mean (or total) is estimated, zero outside each
            estimate's population.
        masks
            n × k membership of each estimate's (sub)population.
        kind
            ``"total"`` (scaled by the squared estimated population size) or a mean.
        replace
            With replacement (Kish's form, ``v/n``) or without (R's default, with the
            finite population correction ``1 − n/N̂``).
        """
        weights = self._weights[:, None] * masks
        nobs = masks.sum(axis=0).astype(float)
        psum = weights.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = (weights * values).sum(axis=0) / psum
            spread = (weights * (values - mean) ** 2).sum(axis=0) / psum
            variance = spread * nobs / (nobs - 1)
            scale = psum**2 if kind == "total" else 1.0
            if replace:
                return variance * scale / nobs
            return variance * scale * (psum - nobs) / (psum * nobs)

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
        from surveykit.design.replicate import replicate_design

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

    # ------------------------------------------------------------------ estimators

    def mean(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None,
             deff: bool | str = True, level: float = 0.95, df: DF = None) -> Any:
        """Design-based mean(s); a categorical variable gives the share of each level
        (R's ``svymean``/``svyby``); see `surveykit.estimation.mean`."""
        from surveykit import estimation

        return estimation.mean(self, variables, by=by, deff=deff, level=level, df=df)

    def total(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None,
              deff: bool | str = True, level: float = 0.95, df: DF = None) -> Any:
        """Design-based population total(s) (R's ``svytotal``); see
        `surveykit.estimation.total`."""
        from surveykit import estimation

        return estimation.total(self, variables, by=by, deff=deff, level=level, df=df)

    def ratio(self, numerator: str | Sequence[str], denominator: str | Sequence[str],
              by: str | Sequence[str] | None = None, deff: bool | str = True,
              level: float = 0.95, df: DF = None) -> Any:
        """Ratio of two population totals (R's ``svyratio``); see
        `surveykit.estimation.ratio`."""
        from surveykit import estimation

        return estimation.ratio(self, numerator, denominator, by=by, deff=deff, level=level,
                                df=df)

    def proportion(self, variable: str, by: str | Sequence[str] | None = None,
                   level: float = 0.95, df: DF = "design", method: str = "logit",
                   deff: bool | str = True) -> Any:
        """Share of every level with intervals for proportions (R's ``svyciprop``); see
        `surveykit.estimation.proportion`."""
        from surveykit import estimation

        return estimation.proportion(self, variable, by=by, level=level, df=df,
                                     method=method, deff=deff)

    def quantile(self, variable: str, quantiles: float | Sequence[float], **options: Any
                 ) -> Any:
        """Quantiles with Woodruff intervals (R's ``svyquantile``); see
        `surveykit.estimation.quantile`."""
        from surveykit import estimation

        return estimation.quantile(self, variable, quantiles, **options)

    def chisq(self, row: str, column: str, statistic: str = "F", **options: Any) -> Any:
        """Rao–Scott test of independence in a two-way table (R's ``svychisq``); see
        `surveykit.estimation.chisq`."""
        from surveykit import estimation

        return estimation.chisq(self, row, column, statistic=statistic, **options)

    def degrees_of_freedom(self, df: DF) -> float | None:
        """An interval's degrees of freedom: ``None`` (normal), ``"design"`` or a number."""
        if df is None:
            return None
        if df == "design":
            return float(self.degf)
        if isinstance(df, str):
            raise ArgumentError(f"df={df!r}: use None (normal quantiles), 'design' or a "
                                "number")
        return float(df)
