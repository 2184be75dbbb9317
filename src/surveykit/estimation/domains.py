"""Variables as the estimators see them: numeric columns, level indicators, domain codes.

A categorical variable becomes one 0/1 column per level (its share is a mean); domains
(``by=``) become integer codes with their index. Respondents with a missing value are left
out, as R does with ``na.rm=TRUE``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from surveykit._core.errors import ArgumentError
from surveykit._core.messages import did_you_mean

__all__ = ["design_matrix", "domain_codes", "is_categorical", "levels_of"]


def _column(data: pd.DataFrame, name: str) -> pd.Series:
    if name not in data.columns:
        raise ArgumentError(f"no variable {name!r} in the design's data"
                          f"{did_you_mean(name, map(str, data.columns))}")
    return data[name]


def is_categorical(values: pd.Series) -> bool:
    """Whether a column is treated as categorical (one estimate per level)."""
    return isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object or \
        pd.api.types.is_string_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)


def levels_of(values: pd.Series) -> list:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    return sorted(values.dropna().unique().tolist())


def design_matrix(data: pd.DataFrame, variables: Sequence[str]
                  ) -> tuple[np.ndarray, list[tuple[str, object]], np.ndarray]:
    """Numeric matrix of the variables, categorical ones expanded to level indicators.

    Returns the matrix (n × k), one ``(variable, level)`` label per column (``level`` is
    ``None`` for numeric variables) and a mask of rows without a missing value.
    """
    columns, labels = [], []
    complete = np.ones(len(data), dtype=bool)
    for name in variables:
        values = _column(data, name)
        missing = values.isna().to_numpy()
        complete &= ~missing
        if is_categorical(values):
            for level in levels_of(values):
                columns.append((values == level).fillna(False).to_numpy(dtype=float))
                labels.append((name, level))
        else:
            numeric = pd.to_numeric(values, errors="coerce")
            if (numeric.isna() & ~values.isna()).any():
                raise ArgumentError(f"variable {name!r} is neither numeric nor categorical")
            columns.append(numeric.to_numpy(dtype=float, na_value=np.nan))
            labels.append((name, None))
    matrix = np.column_stack(columns) if columns else np.empty((len(data), 0))
    matrix = np.where(complete[:, None], matrix, 0.0)
    return matrix, labels, complete


def domain_codes(data: pd.DataFrame, by: str | Sequence[str]
                 ) -> tuple[np.ndarray, pd.Index]:
    """Integer domain codes (−1 where a ``by`` value is missing) and the domain index."""
    names = [by] if isinstance(by, str) else list(by)
    frames = [_column(data, name) for name in names]
    if len(frames) == 1:
        values = frames[0]
        levels = levels_of(values)
        codes = pd.Categorical(values, categories=levels).codes.astype(np.int64)
        return codes, pd.Index(levels, name=names[0])
    combined = pd.MultiIndex.from_arrays(frames, names=names)
    present = ~np.any([f.isna().to_numpy() for f in frames], axis=0)
    index = pd.MultiIndex.from_tuples(sorted(set(combined[present])), names=names)
    codes = np.full(len(data), -1, dtype=np.int64)
    codes[present] = index.get_indexer(combined[present])
    return codes, index
