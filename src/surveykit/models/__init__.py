"""Design-based models of migration intent: logistic, linear, ordinal and multinomial logit,
with marginal effects, Wald tests, multiple imputation and a robustness appendix."""

from surveykit.models.base import ModelResult, SeparationWarning, WaldTest
from surveykit.models.frame import ModelFrame, model_frame
from surveykit.models.glm import GLMResult, fit_glm

__all__ = ["GLMResult", "ModelFrame", "ModelResult", "SeparationWarning", "WaldTest",
           "fit_glm", "model_frame"]
