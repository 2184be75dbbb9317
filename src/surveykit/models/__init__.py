"""The models layer: design-based models of migration intent.

Job
    Logistic and linear GLMs (R's ``svyglm``), proportional-odds (``svyolr``) and
    multinomial logit; odds ratios, Wald tests per term, average marginal effects,
    predictions; multiple imputation with Rubin's rules (`imputation`, `pooling`); the
    robustness appendix (gradient boosting vs logit, scale reliability). Variances come from
    the design (`SurveyDesign.statistic_covariance`); intervals from
    `surveykit.estimation.intervals`.

May import
    `surveykit.design`, `surveykit.estimation` and `surveykit._core`. scikit-learn is
    imported inside the functions that need it.
"""

from surveykit.models.base import ModelResult, SeparationWarning, WaldTest
from surveykit.models.frame import ModelFrame, model_frame
from surveykit.models.glm import GLMResult, fit_glm
from surveykit.models.multinomial import MultinomialResult, fit_multinomial
from surveykit.models.ordinal import OrdinalResult, fit_ordinal

__all__ = ["GLMResult", "ModelFrame", "ModelResult", "MultinomialResult", "OrdinalResult",
           "SeparationWarning", "WaldTest", "fit_glm", "fit_multinomial", "fit_ordinal",
           "model_frame"]
