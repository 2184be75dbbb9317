"""The weighting layer: adjust design weights to population margins, and check them.

Job
    Raking, post-stratification, calibration (linear/GREG, raking, logit; bounds),
    trimming and the trim-and-readjust loop; population margins files and their checks
    against the sample; imputation of missing margin variables for weighting only; weight
    diagnostics (Kish design effect, effective n); writing the variance adjustments so later
    steps can read the weighted design back. Every function takes a design and returns a
    new one whose variance knows about the adjustment, as R's ``survey``.

May import
    `surveykit.design` and `surveykit._core`.
"""

from surveykit.weighting.calibration import GregCalibration, calibrate
from surveykit.weighting.margin_imputation import impute_margin_variables
from surveykit.weighting.margins import Margins, check_margins, read_margins
from surveykit.weighting.raking import (
    PostStratification,
    Raking,
    poststratify,
    rake,
    trim_weights,
)
from surveykit.weighting.trim_loop import trim_and_readjust
from surveykit.weighting.weight_diagnostics import diagnostics

__all__ = [
    "GregCalibration",
    "Margins",
    "PostStratification",
    "Raking",
    "calibrate",
    "check_margins",
    "diagnostics",
    "impute_margin_variables",
    "poststratify",
    "rake",
    "read_margins",
    "trim_and_readjust",
    "trim_weights",
]
