"""The design layer: a sample with its sampling design, and the one variance engine.

Job
    `SurveyDesign` (weights, strata, multi-stage clusters, fpc; immutable),
    `ReplicateDesign` (JK1, JKn, bootstrap, given replicate weights), the integer stage
    `structure`, and `variance` — the only code that knows strata, clusters and finite
    population corrections. How a variance is computed (linearisation or replicates) is
    decided by the design's methods alone (``variance``, ``linear_estimate``,
    ``statistic_covariance``, ``srs_variance``).

May import
    `surveykit._core` only. The convenience verbs on a design (``d.mean``, ``d.rake``,
    ``d.logit`` …) forward to `surveykit.estimation`, `surveykit.weighting` and
    `surveykit.models` and import them only when called, so importing this package loads
    none of the layers above it.
"""

from surveykit.design.linear import LinearStatistic
from surveykit.design.replicate import REPLICATE_TYPES, ReplicateDesign, replicate_design
from surveykit.design.survey_design import SurveyDesign, subset_mask
from surveykit.design.variance import LONELY_PSU_OPTIONS, VarianceAdjustment

__all__ = [
    "LONELY_PSU_OPTIONS",
    "REPLICATE_TYPES",
    "LinearStatistic",
    "ReplicateDesign",
    "SurveyDesign",
    "VarianceAdjustment",
    "replicate_design",
    "subset_mask",
]
