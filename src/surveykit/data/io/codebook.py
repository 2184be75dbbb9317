"""The `Codebook` value type: what a survey file says about its own variables.

A codebook is read from an SPSS file's dictionary or from a YAML codebook beside a CSV file.
It keeps variable labels, value labels, declared user-missing codes (discrete and ranges) and
measurement levels, so that nothing the data manager wrote into the file is lost on the way
to the harmonised data set.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from surveykit._core.errors import DataError

__all__ = ["MEASURES", "Codebook", "Variable"]

#: Measurement levels as SPSS knows them; "unknown" where the file does not say.
MEASURES = ("nominal", "ordinal", "scale", "unknown")


def _plain_code(value: Any) -> Any:
    """Return a code as the plainest Python value: 3.0 → 3, "a" stays "a"."""
    if isinstance(value, str):
        return value
    as_float = float(value)
    if math.isfinite(as_float) and as_float.is_integer():
        return int(as_float)
    return as_float


@dataclass(frozen=True)
class Variable:
    """One variable of a survey file.

    Parameters
    ----------
    name
        Variable name as in the file.
    label
        Variable label (the question text or a short description); empty if none.
    type
        ``"numeric"`` or ``"string"``.
    measure
        Measurement level: ``"nominal"``, ``"ordinal"``, ``"scale"`` or ``"unknown"``.
    value_labels
        Code → label. Codes are ints where integral (``3.0`` is stored as ``3``).
    missing_values
        Discrete user-missing codes declared in the file or codebook (e.g. 8, 9).
    missing_ranges
        User-missing ranges ``(low, high)``, both ends included, as SPSS declares them.
    format
        SPSS print format such as ``"F2.0"``; ``None`` if unknown.
    """

    name: str
    label: str = ""
    type: str = "numeric"
    measure: str = "unknown"
    value_labels: Mapping[Any, str] = field(default_factory=dict)
    missing_values: tuple[Any, ...] = ()
    missing_ranges: tuple[tuple[float, float], ...] = ()
    format: str | None = None

    def __post_init__(self) -> None:
        if self.type not in ("numeric", "string"):
            raise DataError(
                f"variable {self.name!r}: type {self.type!r} is not allowed; "
                "use 'numeric' or 'string'"
            )
        if self.measure not in MEASURES:
            raise DataError(
                f"variable {self.name!r}: measure {self.measure!r} is not allowed; "
                f"use one of {', '.join(MEASURES)}"
            )
        labels = {_plain_code(k): str(v) for k, v in dict(self.value_labels).items()}
        object.__setattr__(self, "value_labels", MappingProxyType(labels))
        object.__setattr__(
            self, "missing_values", tuple(_plain_code(v) for v in self.missing_values)
        )
        object.__setattr__(
            self,
            "missing_ranges",
            tuple((float(lo), float(hi)) for lo, hi in self.missing_ranges),
        )

    @property
    def has_user_missing(self) -> bool:
        """True if the variable declares any user-missing code or range."""
        return bool(self.missing_values or self.missing_ranges)

    def user_missing_mask(self, values: pd.Series) -> np.ndarray:
        """Boolean mask of the entries that are declared user-missing."""
        mask = np.zeros(len(values), dtype=bool)
        if not self.has_user_missing:
            return mask
        if self.type == "string":
            return values.isin([str(v) for v in self.missing_values]).to_numpy()
        numeric = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        if self.missing_values:
            mask |= np.isin(numeric, np.asarray(self.missing_values, dtype=float))
        for low, high in self.missing_ranges:
            mask |= (numeric >= low) & (numeric <= high)
        return mask

    def describe_missing(self) -> list[str]:
        """Human-readable list of the declared user-missing codes, with their labels."""
        described = []
        for code in self.missing_values:
            label = self.value_labels.get(code)
            described.append(f"{code} ({label})" if label else f"{code}")
        for low, high in self.missing_ranges:
            described.append(f"{_plain_code(low)} bis {_plain_code(high)}")
        return described

    def to_dict(self) -> dict[str, Any]:
        """A plain dict for JSON/YAML (keys sorted as in the codebook format)."""
        return {
            "label": self.label,
            "type": self.type,
            "measure": self.measure,
            "values": {k: v for k, v in self.value_labels.items()},
            "missing": list(self.missing_values),
            "missing_ranges": [
                [_plain_code(lo), _plain_code(hi)] for lo, hi in self.missing_ranges
            ],
            "format": self.format,
        }

    @classmethod
    def from_dict(cls, name: str, spec: Mapping[str, Any]) -> Variable:
        """Build a variable from its codebook entry (see :meth:`to_dict`)."""
        values = spec.get("values") or {}
        return cls(
            name=name,
            label=str(spec.get("label") or ""),
            type=str(spec.get("type") or "numeric"),
            measure=str(spec.get("measure") or "unknown"),
            value_labels={
                (str(k) if spec.get("type") == "string" else _plain_code(float(k))): v
                for k, v in values.items()
            },
            missing_values=tuple(spec.get("missing") or ()),
            missing_ranges=tuple(tuple(r) for r in (spec.get("missing_ranges") or ())),
            format=spec.get("format"),
        )


@dataclass(frozen=True)
class Codebook:
    """All variables of one survey file, in file order.

    Parameters
    ----------
    variables
        The variables, in the order of the file's columns.
    source
        The file the codebook describes (for messages).
    file_label
        The file label, if the file has one.
    encoding
        The character encoding the file was read with.
    """

    variables: tuple[Variable, ...]
    source: str = ""
    file_label: str = ""
    encoding: str | None = None

    def __post_init__(self) -> None:
        names = [v.name for v in self.variables]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise DataError(
                f"{self.source or 'codebook'}: variable names occur twice: "
                f"{', '.join(duplicated)}; every variable needs a unique name"
            )
        object.__setattr__(self, "variables", tuple(self.variables))

    def __iter__(self) -> Iterator[Variable]:
        return iter(self.variables)

    def __len__(self) -> int:
        return len(self.variables)

    def __contains__(self, name: object) -> bool:
        return any(v.name == name for v in self.variables)

    def __getitem__(self, name: str) -> Variable:
        for variable in self.variables:
            if variable.name == name:
                return variable
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        """Variable names in file order."""
        return [v.name for v in self.variables]

    def select(self, names: Iterable[str]) -> Codebook:
        """A codebook restricted to ``names`` (kept in file order)."""
        wanted = set(names)
        return Codebook(
            tuple(v for v in self.variables if v.name in wanted),
            source=self.source,
            file_label=self.file_label,
            encoding=self.encoding,
        )

    def to_dict(self) -> dict[str, Any]:
        """The codebook in the YAML/JSON codebook format."""
        return {
            "file_label": self.file_label,
            "encoding": self.encoding,
            "variables": {v.name: v.to_dict() for v in self.variables},
        }

    @classmethod
    def from_dict(
        cls, spec: Mapping[str, Any], source: str = "", encoding: str | None = None
    ) -> Codebook:
        """Build a codebook from the YAML/JSON codebook format."""
        variables = tuple(
            Variable.from_dict(str(name), entry or {})
            for name, entry in (spec.get("variables") or {}).items()
        )
        return cls(
            variables,
            source=source,
            file_label=str(spec.get("file_label") or ""),
            encoding=encoding or spec.get("encoding"),
        )
