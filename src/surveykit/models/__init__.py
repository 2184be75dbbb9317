"""Design-based models of migration intent: logistic, linear, ordinal and multinomial logit,
with marginal effects, Wald tests, multiple imputation and a robustness appendix."""

from surveykit.models.base import ModelResult, SeparationWarning, WaldTest
from surveykit.models.frame import ModelFrame, model_frame
from surveykit.models.glm import GLMResult, fit_glm
from surveykit.models.multinomial import MultinomialResult, fit_multinomial
from surveykit.models.ordinal import OrdinalResult, fit_ordinal

__all__ = ["GLMResult", "ModelFrame", "ModelResult", "MultinomialResult", "OrdinalResult",
           "SeparationWarning", "WaldTest", "fit_glm", "fit_multinomial", "fit_ordinal",
           "model_frame"]
