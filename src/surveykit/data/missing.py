"""Which codes count as missing, and why.

Three sources, reported separately so a data manager can check each: system-missing (empty
cells), user-missing codes declared in the file or CSV codebook (SPSS "missing values"), and
codes declared missing in the survey config (codes such as 99 "keine Angabe" that carry only a
value label). A concept may add codes of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from surveykit._core.errors import ConfigError
from surveykit._core.messages import did_you_mean
from surveykit.data.config import SurveyConfig
from surveykit.data.io.codebook import Codebook, Variable

__all__ = ["MissingRules", "MissingSpec", "parse_missing_spec"]

ALL_VARIABLES = "*"


@dataclass(frozen=True)
class MissingSpec:
    """Missing codes from a config: discrete values and inclusive ranges."""

    values: tuple[Any, ...] = ()
    ranges: tuple[tuple[float, float], ...] = ()

    def mask(self, values: pd.Series) -> np.ndarray:
        """Entries of ``values`` that match one of the codes or ranges."""
        if not self.values and not self.ranges:
            return np.zeros(len(values), dtype=bool)
        numeric = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        numeric_codes = [float(v) for v in self.values if not isinstance(v, str)]
        text_codes = [v for v in self.values if isinstance(v, str)]
        mask = np.isin(numeric, numeric_codes) if numeric_codes else np.zeros(len(values), bool)
        if text_codes:
            mask |= values.astype("string").isin(text_codes).fillna(False).to_numpy(dtype=bool)
        for low, high in self.ranges:
            mask |= (numeric >= low) & (numeric <= high)
        return mask

    def describe(self) -> list[str]:
        """The codes as text, for reports."""
        return [str(v) for v in self.values] + [f"{lo:g} bis {hi:g}" for lo, hi in self.ranges]


def parse_missing_spec(spec: Any) -> MissingSpec:
    """A `MissingSpec` from the config's list-or-mapping form."""
    if spec is None:
        return MissingSpec()
    if isinstance(spec, Mapping):
        return MissingSpec(
            tuple(spec.get("values") or ()),
            tuple((float(lo), float(hi)) for lo, hi in spec.get("ranges") or ()),
        )
    return MissingSpec(tuple(spec))


@dataclass(frozen=True)
class MissingRules:
    """The missing-code rules of one survey: the file's declarations plus the config's."""

    codebook: Codebook
    configured: Mapping[str, MissingSpec]
    config_path: str

    @classmethod
    def from_config(cls, codebook: Codebook, config: SurveyConfig) -> MissingRules:
        """Rules for ``codebook`` with the ``missing`` section of ``config``; unknown names fail."""
        configured = {}
        for name, spec in config.missing.items():
            if name != ALL_VARIABLES and name not in codebook:
                raise ConfigError(
                    f"{config.path}: missing names the variable {name!r}, which "
                    f"{codebook.source} does not have{did_you_mean(name, codebook.names)}; "
                    "fix the name or remove the entry"
                )
            configured[name] = parse_missing_spec(spec)
        return cls(codebook, configured, str(config.path))

    def _config_spec(self, variable: Variable) -> MissingSpec:
        specific = self.configured.get(variable.name, MissingSpec())
        general = self.configured.get(ALL_VARIABLES, MissingSpec())
        if variable.type == "string":
            general = MissingSpec(tuple(v for v in general.values if isinstance(v, str)))
        return MissingSpec(specific.values + general.values, specific.ranges + general.ranges)

    def masks(self, name: str, values: pd.Series) -> dict[str, np.ndarray]:
        """Boolean masks per reason: ``system``, ``user`` (file) and ``config``."""
        variable = self.codebook[name]
        system = values.isna().to_numpy(dtype=bool)
        user = variable.user_missing_mask(values) & ~system
        config = self._config_spec(variable).mask(values) & ~system & ~user
        return {"system": system, "user": user, "config": config}

    def mask(self, name: str, values: pd.Series) -> np.ndarray:
        """All entries of variable ``name`` that are missing for any reason."""
        masks = self.masks(name, values)
        return masks["system"] | masks["user"] | masks["config"]

    def apply(self, name: str, values: pd.Series) -> pd.Series:
        """``values`` with every missing code replaced by NaN / NA."""
        return values.mask(self.mask(name, values))

    def reasons(self, name: str) -> list[dict[str, str]]:
        """Declared missing codes of ``name`` with their reason, for the ingest report."""
        variable = self.codebook[name]
        found = [
            {"code": code, "reason": f"user-missing, declared in {self.codebook.source}"}
            for code in variable.describe_missing()
        ]
        found += [
            {"code": code, "reason": f"declared missing in {self.config_path}"}
            for code in self._config_spec(variable).describe()
        ]
        return found
