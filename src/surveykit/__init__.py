"""surveykit: design-based analysis of resident surveys on migration intent.

From an SPSS or CSV file to weighted, design-based estimates, models and a German report,
reproducibly through a Snakemake workflow. The package is layered; each layer may import
only those below it:

=================  ==================================================================
``cli``            the ``surveykit`` command
``pipeline``       one module per workflow step: files in, files out
``publish``        tables, figures, report, slides
``models``         design-based logit, ordinal, multinomial; AMEs; imputation
``weighting``      rake, post-stratify, calibrate, trim; margins; diagnostics
``estimation``     means, totals, ratios, proportions, quantiles; intervals; Rao–Scott
``design``         `SurveyDesign`, `ReplicateDesign`, the one variance engine
``data``           SPSS/CSV input, configs and schemas, harmonisation
``synth``          the synthetic example surveys
``_core``          errors, message helpers, small numerics
=================  ==================================================================

``import surveykit`` loads only the error classes; every other public name below is
imported on first use, so the command line and the workflow start fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from surveykit._core.errors import (
    ArgumentError,
    ArgumentTypeError,
    ConfigError,
    ConvergenceError,
    DataError,
    SurveyError,
)

if TYPE_CHECKING:
    from surveykit.data.config import SurveyConfig, load_survey_config
    from surveykit.data.harmonisation import Harmonised, harmonise
    from surveykit.data.ingestion import Ingested, ingest
    from surveykit.data.io import Codebook, Variable, read_survey
    from surveykit.design import ReplicateDesign, SurveyDesign
    from surveykit.estimation import Estimates
    from surveykit.weighting import check_margins, diagnostics, read_margins

__version__ = "0.1.0"

#: Public name → module that defines it (imported on first access).
_LAZY = {
    "Codebook": "surveykit.data.io",
    "Estimates": "surveykit.estimation.results",
    "Harmonised": "surveykit.data.harmonisation",
    "Ingested": "surveykit.data.ingestion",
    "ReplicateDesign": "surveykit.design",
    "SurveyConfig": "surveykit.data.config",
    "SurveyDesign": "surveykit.design",
    "Variable": "surveykit.data.io",
    "check_margins": "surveykit.weighting",
    "diagnostics": "surveykit.weighting",
    "harmonise": "surveykit.data.harmonisation",
    "ingest": "surveykit.data.ingestion",
    "load_survey_config": "surveykit.data.config",
    "read_margins": "surveykit.weighting",
    "read_survey": "surveykit.data.io",
}

__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "Codebook",
    "ConfigError",
    "ConvergenceError",
    "DataError",
    "Estimates",
    "Harmonised",
    "Ingested",
    "ReplicateDesign",
    "SurveyConfig",
    "SurveyDesign",
    "SurveyError",
    "Variable",
    "check_margins",
    "diagnostics",
    "harmonise",
    "ingest",
    "load_survey_config",
    "read_margins",
    "read_survey",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first access (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'surveykit' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
