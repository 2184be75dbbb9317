"""Missing values of margin variables, imputed for the weighting only.

Raking needs every respondent's level of every margin variable. A respondent who did not
say their qualification gets, for the weighting alone, the most frequent level among
respondents who agree on all other margin variables (the overall mode where no one does);
the analyses later see the data as answered. The counts are reported.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from surveykit._core.errors import ArgumentError, DataError
from surveykit._core.messages import did_you_mean

__all__ = ["MISSING_POLICIES", "impute_margin_variables"]

MISSING_POLICIES = ("impute", "error")


def impute_margin_variables(data: pd.DataFrame, names: Sequence[str], policy: str = "impute",
                            where: str = "weighting") -> tuple[pd.DataFrame, dict[str, int]]:
    """Fill missing values of the margin variables for weighting (a copy; data untouched).

    Parameters
    ----------
    data
        One row per respondent.
    names
        The margin variables.
    policy
        ``"impute"`` (modal level among respondents agreeing on the other margin
        variables) or ``"error"`` (refuse when any value is missing).
    where
        What to name in messages (e.g. the config file).

    Returns
    -------
    data, missing
        The data with the gaps filled, and the number of missing values per variable.
    """
    if policy not in MISSING_POLICIES:
        raise ArgumentError(f"{where}: missing={policy!r}; use 'impute' or 'error'")
    names = list(dict.fromkeys(names))
    for name in names:
        if name not in data.columns:
            raise ArgumentError(f"{where}: margin variable {name!r} is not a column"
                                f"{did_you_mean(name, map(str, data.columns))}")
    missing = {name: int(data[name].isna().sum()) for name in names}
    if not any(missing.values()):
        return data, missing
    if policy == "error":
        first = next(name for name, count in missing.items() if count)
        raise DataError(
            f"{where}: {missing[first]} respondents have no {first!r}, which the "
            "weighting margins need; set weighting.missing: impute (the default) or recode "
            "the missing answers"
        )
    imputed = data.copy()
    for name in names:
        gaps = imputed[name].isna()
        if not gaps.any():
            continue
        others = [o for o in names if o != name]
        known = imputed[~gaps]
        overall = known[name].astype(object).value_counts().index[0]
        fill = pd.Series(overall, index=imputed.index[gaps], dtype=object)
        if others:
            # Modal level among respondents who agree on all other margin variables
            # (group counts, vectorised: no Python work per respondent).
            counts = known.groupby([*others, name], observed=True, dropna=True).size()
            counts = counts[counts > 0].sort_values(ascending=False, kind="stable")
            modes = counts.reset_index().drop_duplicates(subset=others)
            targets = imputed.loc[gaps, others].reset_index()
            matched = targets.merge(modes[[*others, name]], on=others, how="left")
            found = matched[name].astype(object).to_numpy()
            fill = pd.Series(np.where(pd.isna(found), overall, found),
                             index=imputed.index[gaps], dtype=object)
        column = imputed[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            imputed[name] = pd.Categorical(column.astype(object).where(~gaps, fill),
                                           categories=column.cat.categories,
                                           ordered=column.cat.ordered)
        else:
            imputed[name] = column.astype(object).where(~gaps, fill)
    return imputed, missing
