"""Weighting results that later steps can read back: weights plus their variance adjustments.

The workflow weights once. Later steps (estimate, model) must see the same weights *and*
the same variance: raking and calibration shrink variances, and R's ``survey`` gets that
from the adjustment objects kept in the design. Those objects are arrays, so they are
written to an ``.npz`` file — arrays and plain names only, read back with
``allow_pickle=False`` and only into the adjustment types listed here, so a file can never
make surveykit run code.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from surveykit._core.errors import DataError
from surveykit.weighting.calibration import GregCalibration
from surveykit.weighting.raking import PostStratification, Raking

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign, VarianceAdjustment

__all__ = ["read_adjustments", "write_adjustments"]

#: The adjustment types a file may hold, by name.
ADJUSTMENT_TYPES: dict[str, type] = {
    "Raking": Raking,
    "PostStratification": PostStratification,
    "GregCalibration": GregCalibration,
}
FORMAT_VERSION = 2
#: Versions `read_adjustments` reads: 1 wrote every array in full; 2 writes an array equal
#: to an earlier one as a reference to it (`_SAME_AS`).
READABLE_VERSIONS = (1, 2)
#: Suffix of the name that stands for an array equal to an earlier one (its name as value).
_SAME_AS = ".same_as"
#: Arrays of at least this many values are written once where equal (e.g. the cells of
#: successive raking rounds: at a million respondents 8 MB each).
_SHARED_SIZE = 1024


def _arrays_of(adjustment: Any, prefix: str) -> dict[str, np.ndarray]:
    name = type(adjustment).__name__
    if name not in ADJUSTMENT_TYPES:
        raise DataError(f"cannot save a weight adjustment of type {name}")
    arrays = {f"{prefix}type": np.array(name)}
    for field in dataclasses.fields(adjustment):
        value = getattr(adjustment, field.name)
        if isinstance(value, tuple):
            arrays[f"{prefix}{field.name}.count"] = np.array(len(value))
            for k, item in enumerate(value):
                arrays[f"{prefix}{field.name}.{k}"] = np.asarray(item)
        else:
            arrays[f"{prefix}{field.name}"] = np.asarray(value)
    return arrays


def write_adjustments(design: SurveyDesign, path: str | Path) -> None:
    """Write the design's variance adjustments (in order) to an ``.npz`` file."""
    arrays: dict[str, np.ndarray] = {"format_version": np.array(FORMAT_VERSION),
                                     "count": np.array(len(design.adjustments))}
    written: list[tuple[str, np.ndarray]] = []
    for i, adjustment in enumerate(design.adjustments):
        for key, value in _arrays_of(adjustment, f"{i}/").items():
            # An array equal to one written already becomes a reference to it: the cells
            # of one raking's rounds are the same, and every later step reads this file.
            same = next((name for name, earlier in written if value.size >= _SHARED_SIZE
                         and (earlier is value or (earlier.dtype == value.dtype
                                                   and np.array_equal(earlier, value)))),
                        None)
            if same is None:
                arrays[key] = value
                if value.size >= _SHARED_SIZE:
                    written.append((key, value))
            else:
                arrays[key + _SAME_AS] = np.array(same)
    with open(path, "wb") as handle:
        # Not compressed: at a million respondents zlib took seconds of the weight step,
        # which every later step waits for; the file is an intermediate of results/.
        np.savez(handle, **arrays)


def read_adjustments(path: str | Path) -> tuple[VarianceAdjustment, ...]:
    """Read what :func:`write_adjustments` wrote."""
    try:
        with np.load(path, allow_pickle=False) as file:
            stored = {key: file[key] for key in file.files}
        # references to equal arrays: the very array (one copy in memory, too)
        for key in [key for key in stored if key.endswith(_SAME_AS)]:
            stored[key[: -len(_SAME_AS)]] = stored[str(stored.pop(key))]
    except (OSError, ValueError, KeyError) as error:
        raise DataError(f"{path}: cannot read the weighting adjustments ({error}); rerun the "
                        "weight step") from None
    if int(stored.get("format_version", -1)) not in READABLE_VERSIONS:
        raise DataError(f"{path}: written by another surveykit version; rerun the weight step")
    adjustments = []
    for i in range(int(stored["count"])):
        prefix = f"{i}/"
        name = str(stored[f"{prefix}type"])
        kind = ADJUSTMENT_TYPES.get(name)
        if kind is None:
            raise DataError(f"{path}: unknown weight adjustment {name!r}; rerun the weight step")
        values = {}
        for field in dataclasses.fields(kind):
            key = f"{prefix}{field.name}"
            if f"{key}.count" in stored:
                values[field.name] = tuple(stored[f"{key}.{k}"]
                                           for k in range(int(stored[f"{key}.count"])))
            else:
                value = stored[key]
                values[field.name] = value.item() if value.ndim == 0 else value
        adjustments.append(kind(**values))
    return tuple(adjustments)
