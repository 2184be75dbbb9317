"""Settings a step takes from the configuration, and config-aware error reporting.

Two settings are workflow-wide (``config/config.yaml``) and may be overridden per survey:
the seed of everything random (``seed``; a survey's ``models.seed`` wins) and the smallest
unweighted base a published cell may have (``min_cell_n``; a survey's
``report.min_cell_n`` wins). No step falls back to a number written in code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from surveykit._core.errors import ArgumentError, ConfigError
from surveykit.data.config import SurveyConfig, load_workflow_config

__all__ = ["DEFAULT_WORKFLOW_CONFIG", "StepSettings", "config_errors", "skipped_steps",
           "step_settings", "weighting_method"]

DEFAULT_WORKFLOW_CONFIG = Path("config/config.yaml")


@dataclass(frozen=True)
class StepSettings:
    """Resolved settings of one survey's steps."""

    seed: int
    min_cell_n: int


def step_settings(config: SurveyConfig, workflow: dict[str, Any] | str | Path | None = None
                  ) -> StepSettings:
    """The survey's seed and minimum cell size: its own override, else the workflow's.

    Parameters
    ----------
    config
        The survey config.
    workflow
        The workflow config (a loaded mapping, or the path of ``config/config.yaml``;
        ``None`` reads ``config/config.yaml`` under the survey config's project root).
    """
    if not isinstance(workflow, dict):
        path = Path(workflow) if workflow is not None else config.root / DEFAULT_WORKFLOW_CONFIG
        workflow = load_workflow_config(path, root=config.root)
    models = config.spec.get("models") or {}
    report = config.spec.get("report") or {}
    seed = models.get("seed", workflow.get("seed"))
    min_cell_n = report.get("min_cell_n", workflow.get("min_cell_n"))
    missing = [name for name, value in (("seed", seed), ("min_cell_n", min_cell_n))
               if value is None]
    if missing:
        raise ConfigError(f"config/config.yaml: set {' and '.join(missing)} (workflow-wide "
                          f"settings; {config.path} may override them under models.seed "
                          "and report.min_cell_n)")
    return StepSettings(seed=int(seed), min_cell_n=int(min_cell_n))


@contextmanager
def config_errors(config: SurveyConfig) -> Iterator[None]:
    """Report a bad library argument that came from the config as a `ConfigError`.

    The library says *what* is wrong ("no variable 'x'"); only the pipeline knows that the
    value came from the survey config, so it adds the file.
    """
    try:
        yield
    except ArgumentError as error:
        raise ConfigError(f"{config.path}: {error}") from None


def weighting_method(config: SurveyConfig) -> str:
    """The survey's ``weighting.method``; ``"none"`` without a ``weighting`` section."""
    return (config.spec.get("weighting") or {}).get("method", "none")


def skipped_steps(config: SurveyConfig) -> dict[str, str]:
    """What the workflow leaves out for this survey, and why: step → one sentence.

    A config without ``models:`` skips the model step; ``weighting: none`` (or no
    ``weighting`` section) uses the weights as given and writes no margins table. Nothing is
    skipped in silence and no empty placeholder file is written.
    """
    notices: dict[str, str] = {}
    where = f"survey {config.id!r} ({config.path})"
    if weighting_method(config) == "none":
        weights = config.design.get("weights")
        given = (f"its own weight variable {weights!r} (design.weights) as given" if weights
                 else "equal weights (no design.weights)")
        notices["weight"] = (
            f"{where}: weighting method is none, so the weight step uses {given} and writes "
            "no weighting/margins.csv (there are no population margins to compare with); "
            "set weighting.method and weighting.margins to adjust the weights")
    if not config.spec.get("models"):
        notices["model"] = (
            f"{where}: no models: section, so the model step is skipped (no models.json, "
            "odds_ratios.csv or ame.csv); add models: (see config/surveys/example.yaml) to "
            "fit them")
    return notices
