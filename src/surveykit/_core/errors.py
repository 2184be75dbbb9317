"""One error hierarchy for everything surveykit refuses to do.

Every message names the file, variable, row or value concerned and says what to do, so the
CLI and the workflow scripts can print it as it is, without a traceback. The class says what
kind of mistake it is:

* `ConfigError` — a configuration file (survey YAML, sheet, margins file, population series)
  is missing, malformed or inconsistent; the message names the file and key.
* `DataError` — a data file, or the data handed to a function, is unreadable or holds values
  that cannot be used.
* `ArgumentError` — a bad argument to the Python API (an unknown option, a column that does
  not exist); it is also a `ValueError`, so code that guards API calls with ``except
  ValueError`` keeps working. `ArgumentTypeError` is the `TypeError` variant.
* `ConvergenceError` — an iterative algorithm (raking, calibration, a model fit) did not
  converge.
"""

from __future__ import annotations

__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "ConfigError",
    "ConvergenceError",
    "DataError",
    "SurveyError",
]


class SurveyError(Exception):
    """Base class of every error surveykit raises on purpose."""


class ConfigError(SurveyError):
    """A configuration file (survey YAML, sheet, margins) is missing, malformed or inconsistent."""


class DataError(SurveyError):
    """A data file is missing, unreadable, or holds values its codebook or config does not allow."""


class ArgumentError(SurveyError, ValueError):
    """A bad argument to the Python API: an unknown option, variable, level or formula term."""


class ArgumentTypeError(ArgumentError, TypeError):
    """An argument of the wrong type (e.g. a design built from something not a DataFrame)."""


class ConvergenceError(SurveyError):
    """An iterative algorithm (raking, calibration, model fit) did not converge."""
