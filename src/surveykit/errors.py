"""One error hierarchy for everything surveykit refuses to do.

Every message names the file, variable, row or value concerned and says what to do, so the
CLI and the workflow scripts can print it as it is, without a traceback.
"""

from __future__ import annotations

__all__ = ["ConfigError", "ConvergenceError", "DataError", "SurveyError"]


class SurveyError(Exception):
    """Base class of every error surveykit raises on purpose."""


class ConfigError(SurveyError):
    """A configuration file (survey YAML, sheet, margins) is missing, malformed or inconsistent."""


class DataError(SurveyError):
    """A data file is missing, unreadable, or holds values its codebook or config does not allow."""


class ConvergenceError(SurveyError):
    """An iterative algorithm (raking, calibration, model fit) did not converge."""
