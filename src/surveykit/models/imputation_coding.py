"""The variables of a chained-equations imputation as its models see them.

A column becomes a `Variable` (binary, categorical or numeric, with its values or level
codes); `block` gives its predictor columns, `level_table`/`level_codes` the same columns per
level (for the cell form of `surveykit.models.imputation_cells`), `restore` the completed
column in the original dtype.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from surveykit._core.errors import ArgumentError

__all__ = ["FEW_VALUES", "Variable", "block", "encode", "level_codes", "level_table",
           "predictor_rows", "restore"]

#: A numeric variable with at most this many distinct values joins the cells of the
#: imputation models on large data (`surveykit.models.imputation_cells.CellCodes`).
FEW_VALUES = 64


@dataclass
class Variable:
    """A column as the imputation models see it: numeric values or level codes."""

    name: str
    kind: str              # "numeric", "binary" or "categorical"
    values: np.ndarray     # float values, or level codes 0 … K−1; NaN where missing
    missing: np.ndarray
    levels: list | None = None
    centre: float = 0.0
    scale: float = 1.0
    dummies: np.ndarray = field(default_factory=lambda: np.empty(0))
    #: numeric: its observed values, sorted, where they are few (a rating scale, a score):
    #: imputed values are observed values, so the column is a function of a level code.
    distinct: np.ndarray | None = None


def encode(series: pd.Series, name: str) -> Variable:
    """Classify a column (binary, categorical or numeric) and code its values."""
    dtype = series.dtype
    missing = series.isna().to_numpy()
    if isinstance(dtype, pd.CategoricalDtype):
        levels = list(dtype.categories)
        values = series.cat.codes.to_numpy().astype(float)
    elif pd.api.types.is_bool_dtype(dtype):
        levels = [False, True]
        values = series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    elif pd.api.types.is_numeric_dtype(dtype):
        values = series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        observed = values[~missing]
        if np.isin(observed, (0.0, 1.0)).all():
            return Variable(name, "binary", values, missing, [0, 1])
        centre = float(observed.mean()) if observed.size else 0.0
        scale = float(observed.std()) if observed.size > 1 else 0.0
        distinct = np.unique(observed)
        return Variable(name, "numeric", values, missing, None, centre, scale or 1.0,
                         distinct=distinct if len(distinct) <= FEW_VALUES else None)
    elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        levels = sorted(series.dropna().unique().tolist(), key=str)
        values = pd.Categorical(series, categories=levels).codes.astype(float)
    else:
        raise ArgumentError(f"variable {name!r} has type {dtype}, which cannot be imputed; "
                          "convert it to numbers or categories first")
    values[missing] = np.nan
    kind = "binary" if len(levels) == 2 else "categorical"
    observed = np.unique(values[~missing]).astype(int)
    return Variable(name, kind, values, missing, levels, dummies=observed[1:])


def block(variable: Variable, current: np.ndarray) -> np.ndarray:
    """Predictor columns of a variable: standardised value, 0/1, or level dummies."""
    if variable.kind == "numeric":
        return ((current - variable.centre) / variable.scale)[:, None]
    if variable.kind == "binary":
        return current[:, None]
    return (current[:, None] == variable.dummies[None, :]).astype(float)


def restore(original: pd.Series, variable: Variable, values: np.ndarray) -> pd.Series:
    """The completed column in the original dtype (categories and level order kept)."""
    dtype = original.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(pd.Categorical.from_codes(values.astype(int), dtype=dtype),
                         index=original.index, name=original.name)
    if variable.kind == "numeric" or pd.api.types.is_numeric_dtype(dtype) or \
            pd.api.types.is_bool_dtype(dtype):
        return pd.Series(values, index=original.index, name=original.name).astype(dtype)
    labels = np.asarray(variable.levels, dtype=object)[values.astype(int)]
    return pd.Series(labels, index=original.index, name=original.name).astype(dtype)



def predictor_rows(parts: list[np.ndarray], rows: np.ndarray) -> np.ndarray:
    """``[1, parts…]`` of the selected rows: the predictors of an imputation model, built
    in one array without first stacking every respondent's columns."""
    selected = int(rows.sum())
    matrix = np.empty((selected, 1 + sum(part.shape[1] for part in parts)))
    matrix[:, 0] = 1.0
    position = 1
    for part in parts:
        matrix[:, position:position + part.shape[1]] = part[rows]
        position += part.shape[1]
    return matrix


def level_table(variable: Variable) -> np.ndarray | None:
    """A variable's predictor columns per level code (L × w), as `block` makes them; None
    for a numeric variable with many distinct values."""
    if variable.kind == "numeric":
        if variable.distinct is None:
            return None
        return ((variable.distinct - variable.centre) / variable.scale)[:, None]
    if variable.kind == "binary":
        return np.array([[0.0], [1.0]])
    return (np.arange(len(variable.levels))[:, None]
            == variable.dummies[None, :]).astype(float)


def level_codes(variable: Variable, values: np.ndarray) -> np.ndarray:
    """Each respondent's level code (row of `level_table`)."""
    if variable.kind == "numeric":
        return np.searchsorted(variable.distinct, values)
    return values.astype(np.int64)


