"""surveykit: design-based analysis of resident surveys on migration intent.

From an SPSS or CSV file to weighted, design-based estimates, models and a German report,
reproducibly through a Snakemake workflow. See the README and ``DESIGN.md``.
"""

from __future__ import annotations

from surveykit.config import SurveyConfig, load_survey_config
from surveykit.design import SurveyDesign
from surveykit.errors import ConfigError, ConvergenceError, DataError, SurveyError
from surveykit.harmonise import Harmonised, harmonise
from surveykit.ingest import Ingested, ingest
from surveykit.io import Codebook, Variable, read_survey
from surveykit.replicate import ReplicateDesign
from surveykit.weighting import check_margins, diagnostics, read_margins

__version__ = "0.1.0"

__all__ = [
    "Codebook",
    "ConfigError",
    "ConvergenceError",
    "DataError",
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
