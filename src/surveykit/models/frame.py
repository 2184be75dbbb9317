"""Model frames: a formula and a design's data → outcome, model matrix, R-style names.

Formulas are parsed by formulaic (``"willing_to_move ~ age_group + commuter"``; categorical
columns and ``C(x)`` get treatment contrasts, ``C(x, contr.treatment("45-59"))`` picks the
reference level). Parameter names follow R (``(Intercept)``, ``age_group18-29``,
``stypeH``), so tables read like R's and golden tests compare names directly. Respondents
with a missing value in any model variable keep their place in the design with no weight in
the fit (R's ``na.omit`` on a survey design: a domain, not a smaller design).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import formulaic
import numpy as np
import pandas as pd

from surveykit._core.errors import ArgumentError
from surveykit._core.factorize import sorted_integer_codes
from surveykit._core.messages import did_you_mean
from surveykit.models.cell_matrix import (
    CELL_MINIMUM,
    MAX_BINARY,
    CellMatrix,
    cells_of_bit_codes,
)

__all__ = ["ModelFrame", "formula_variables", "level_name", "model_frame", "term_columns"]

INTERCEPT = "(Intercept)"


@dataclass(frozen=True)
class ModelFrame:
    """Outcome and model matrix of a formula on a design's data (all n rows).

    Attributes
    ----------
    y
        Outcome per row: 0/1 for binary, the value for numeric, the level code (0 …) for
        ordinal and nominal outcomes; 0 in unused rows.
    built
        The n × p model matrix where it was built with the frame; None where it is built
        when first asked for (``X``).
    names
        R-style parameter names, one per column of ``X``.
    terms
        Term label (as written in the formula) → column indices.
    used
        Rows with complete data (the fit's domain).
    outcome_levels
        Levels of a categorical outcome (``None`` for numeric/binary 0/1 outcomes).
    variables
        The data columns the formula uses.
    """

    y: np.ndarray
    built: np.ndarray | None
    names: list[str]
    terms: dict[str, list[int]]
    used: np.ndarray
    outcome: str
    outcome_levels: list | None = None
    variables: list[str] = field(default_factory=list)
    spec: object = None
    aliases: dict[str, str] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    #: Columns that are 0/1 by construction (the intercept and the level indicators of a
    #: matrix built directly): `surveykit.models.cell_matrix.cell_matrix` need not scan them.
    indicators: tuple[int, ...] = ()
    #: How to build each column directly where the fit's matrix was built so
    #: (`DirectColumns`); None where formulaic built it.
    direct: DirectColumns | None = None
    #: Numeric variables written as ``C(x)``: levels, not numbers, in the model.
    coded: tuple[str, ...] = ()
    #: Where the matrix is built directly and only when asked for (``built`` is None):
    #: the used rows' variables and the columns' recipes (`_build`).
    plan: tuple[pd.DataFrame, list[tuple]] | None = field(default=None, repr=False,
                                                          compare=False)

    @functools.cached_property
    def X(self) -> np.ndarray:  # noqa: N802 (the model matrix's name since the start)
        """n × p model matrix (zero in unused rows). Built on first use where the frame
        was made from recipes: a fit in cell form (`cells`) never needs it, and on a
        million rows it is the largest and slowest part of the frame."""
        if self.built is not None:
            return self.built
        rows, recipes = self.plan
        built = _build(rows, recipes)
        if len(rows) == len(self.used):
            return built
        X = np.zeros((len(self.used), len(recipes)), order="F")
        X[self.used] = built
        return X

    def cells(self) -> CellMatrix | None:
        """The used rows' matrix in cell form (`surveykit.models.cell_matrix.cell_matrix`),
        made from the variables without the dense matrix where the frame has recipes; None
        where it has none, or where the cell form would not pay."""
        if self.plan is None:
            return None
        return _recipe_cells(*self.plan)

    def matrix(self, data: pd.DataFrame) -> np.ndarray:
        """The model matrix of new rows (profiles, counterfactual data) with these columns.

        Built column by column from the fit's recipes where the fit's matrix was (the same
        values as formulaic's, which costs some 15 ms a call in fixed work: average effects
        and margins ask for dozens), else, or where the rows hold anything the recipes do
        not cover (a level the fit did not see, a missing value), by formulaic."""
        renamed = data.rename(columns={v: k for k, v in self.aliases.items()})
        if self.direct is not None:
            built = self.direct.build(renamed)
            if built is not None:
                return built
        try:
            built = self.spec.get_model_matrix(renamed, na_action="raise")
        except Exception as error:  # formulaic raises several exception types
            raise ArgumentError(f"cannot build the model matrix for these rows: {error}") \
                from None
        matrix = np.asarray(built, dtype=float)
        columns = list(built.model_spec.column_names)
        if len(columns) != len(self.names):
            keep = [i for i, c in enumerate(columns) if c != "Intercept"]
            matrix = matrix[:, keep]
        return matrix


_INTERVAL = re.compile(r"([\(\[])\s*([-+\w.]+)\s*,\s*([-+\w.]+)\s*([\)\]])")


def level_name(level: object) -> str:
    """A level as R prints it: pandas' interval ``(0.0, 25.0]`` becomes R's ``(0,25]``."""
    text = str(level)
    match = _INTERVAL.fullmatch(text)
    if not match:
        return text

    def number(value: str) -> str:
        try:
            as_float = float(value)
        except ValueError:
            return value
        if np.isinf(as_float):
            return "Inf" if as_float > 0 else "-Inf"
        return str(int(as_float)) if as_float.is_integer() and abs(as_float) < 1e15 else value

    return f"{match.group(1)}{number(match.group(2))},{number(match.group(3))}{match.group(4)}"


def _r_name(column: str) -> str:
    """formulaic's ``C(stype)[T.H]`` / ``stype[T.H]`` → R's ``stypeH``."""
    if column == "Intercept":
        return INTERCEPT
    parts = []
    for part in column.split(":"):
        match = re.fullmatch(r"(?:C\((\w[\w.]*)(?:,.*)?\)|`?([^`\[]+)`?)\[(?:T\.)?(.*)\]", part)
        if match:
            parts.append((match.group(1) or match.group(2)) + level_name(match.group(3)))
        else:
            parts.append(part.strip("`"))
    return ":".join(parts)


def _term_label(term: str) -> str:
    """``C(age_group, contr.treatment('45-59'))`` → ``age_group`` (also inside interactions)."""
    return re.sub(r"C\(\s*([\w.`]+)\s*(?:,(?:[^()]|\([^()]*\))*)?\)", r"\1", term)


def _alias_columns(formula: str, columns: list[str]) -> tuple[str, dict[str, str]]:
    """Replace column names that are not Python identifiers (R's ``sch.wide``) by aliases.

    formulaic reads ``a.b`` as attribute access, so such names get a safe alias for the
    parse and are restored in the parameter names.
    """
    aliases: dict[str, str] = {}
    for number, name in enumerate(sorted((c for c in columns if not c.isidentifier()),
                                         key=len, reverse=True)):
        pattern = rf"(?<![\w`.])`?{re.escape(name)}`?(?![\w`.])"
        if re.search(pattern, formula):
            alias = f"sk_alias{number}_" + re.sub(r"\W", "_", name)
            formula = re.sub(pattern, alias, formula)
            aliases[alias] = name
    return formula, aliases


_DIRECT_MINIMUM = 20_000   # below this, formulaic's own matrix is fast enough
_LEVEL_COLUMN = re.compile(r"(?:C\(\s*([\w.]+)\s*(?:,.*)?\)|([\w.]+))\[T\.(.*)\]")


def _recipes(rows: pd.DataFrame, columns: list[str]) -> list[tuple] | None:
    """How to build each formulaic column directly, or None if any is not a plain
    intercept, numeric variable or treatment-coded level of a categorical variable."""
    recipes: list[tuple] = []
    for column in columns:
        if column == "Intercept":
            recipes.append(("one",))
        elif column in rows.columns and pd.api.types.is_numeric_dtype(rows[column].dtype) \
                and not isinstance(rows[column].dtype, pd.CategoricalDtype):
            recipes.append(("value", column))
        else:
            match = _LEVEL_COLUMN.fullmatch(column)
            name = (match.group(1) or match.group(2)) if match else None
            if name is None or name not in rows.columns or \
                    not isinstance(rows[name].dtype, pd.CategoricalDtype):
                return None
            labels = [str(c) for c in rows[name].cat.categories]
            if match.group(3) not in labels:
                return None
            recipes.append(("level", name, labels.index(match.group(3))))
    return recipes


def _build(rows: pd.DataFrame, recipes: list[tuple]) -> np.ndarray:
    """The model matrix from recipes, column-major, one vectorised pass per column."""
    X = np.empty((len(rows), len(recipes)), order="F")
    for j, recipe in enumerate(recipes):
        if recipe[0] == "one":
            X[:, j] = 1.0
        elif recipe[0] == "value":
            X[:, j] = rows[recipe[1]].to_numpy(dtype=float)
        else:
            X[:, j] = rows[recipe[1]].cat.codes.to_numpy() == recipe[2]
    return X


def _recipe_cells(rows: pd.DataFrame, recipes: list[tuple]) -> CellMatrix | None:
    """`surveykit.models.cell_matrix.cell_matrix` of `_build`'s matrix, from the variables:
    the same 0/1 columns (intercept, level indicators, numeric variables that are 0/1 in
    these rows), the same code per row and so the same cells in the same order, without
    building and scanning the n × p matrix.

    A row's code is the sum over its variables of one table lookup each: a categorical's
    level code (or a 0/1 variable's value) picks the sum of the bits of the columns it
    sets. One gather and one addition per variable, not one per column.
    """
    n = len(rows)
    if n < CELL_MINIMUM:
        return None
    values = {j: _numeric_values(rows[recipe[1]]) for j, recipe in enumerate(recipes)
              if recipe[0] == "value"}
    bits = {j: _as_bits(column) for j, column in values.items()}
    binary = [j for j, recipe in enumerate(recipes) if recipe[0] != "value"
              or bits[j] is not None]
    if not binary or len(binary) > MAX_BINARY:
        return None
    bit = {j: b for b, j in enumerate(binary)}
    parts: dict[object, tuple[np.ndarray, np.ndarray]] = {}   # per variable: lookup, index
    for j, recipe in enumerate(recipes):
        if recipe[0] == "level":
            name = recipe[1]
            if name not in parts:
                parts[name] = (np.zeros(len(rows[name].cat.categories), dtype=np.int64),
                               rows[name].cat.codes.to_numpy())
            parts[name][0][recipe[2]] += 1 << bit[j]
        elif recipe[0] == "value" and j in bit:
            parts[j] = (np.array([0, 1 << bit[j]], dtype=np.int64), bits[j])
    intercept = sum(1 << bit[j] for j, recipe in enumerate(recipes) if recipe[0] == "one")
    codes = np.full(n, intercept, dtype=np.int64) if not parts else None
    for lookup, index in parts.values():
        if codes is None:
            codes = np.take(lookup + intercept, index)
        else:
            codes += np.take(lookup, index)
    other = [j for j in range(len(recipes)) if j not in bit]

    def other_values() -> np.ndarray:
        matrix = np.empty((n, len(other)), order="F")
        for position, j in enumerate(other):
            matrix[:, position] = values[j]
        return matrix

    return cells_of_bit_codes(codes, np.array(binary, dtype=np.int64),
                              np.array(other, dtype=np.int64), other_values)


def _numeric_values(column: pd.Series) -> np.ndarray:
    """A numeric column's values: numpy's own array where the dtype is numpy's (no copy),
    else (pandas' nullable types) as floats, as `_build` puts them in the matrix."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "biuf":
        return column.to_numpy()
    return column.to_numpy(dtype=float)


def _as_bits(values: np.ndarray) -> np.ndarray | None:
    """The values as integer 0/1 where every one is 0 or 1 (the column is then one of the
    cell form's 0/1 columns), None where any is something else. Integers need only their
    minimum and maximum; floats in [0, 1] are checked one by one."""
    if values.dtype.kind == "b":
        return values.view(np.uint8)
    if not len(values) or not (values.min() >= 0 and values.max() <= 1):
        return None
    if values.dtype.kind in "iu":
        return values
    if not np.all((values == 0) | (values == 1)):
        return None
    return values.astype(np.intp)


@dataclass(frozen=True)
class DirectColumns:
    """A fit's model matrix as recipes by level label, to build it for new rows.

    ``columns``: per column ``("one",)``, ``("value", name)`` or ``("level", name, label)``;
    ``levels``: per categorical variable, the labels of the levels the fit knew.
    """

    columns: tuple[tuple, ...]
    levels: dict[str, tuple[str, ...]]

    def build(self, rows: pd.DataFrame) -> np.ndarray | None:
        """The matrix of ``rows``; None where a column is missing or of another kind, holds
        a missing value or (categorical) a level the fit did not know: formulaic decides
        those (and says what is wrong)."""
        X = np.empty((len(rows), len(self.columns)))
        codes: dict[str, tuple[np.ndarray, list[str]]] = {}
        for j, recipe in enumerate(self.columns):
            if recipe[0] == "one":
                X[:, j] = 1.0
                continue
            name = recipe[1]
            if name not in rows.columns:
                return None
            column = rows[name]
            if recipe[0] == "value":
                if isinstance(column.dtype, pd.CategoricalDtype) or \
                        not pd.api.types.is_numeric_dtype(column.dtype):
                    return None
                values = column.to_numpy(dtype=float, na_value=np.nan)
                if np.isnan(values).any():
                    return None
                X[:, j] = values
                continue
            if name not in codes:
                found = _level_codes(column)
                if found is None:
                    return None
                level_codes, labels = found
                present = np.bincount(level_codes, minlength=len(labels))
                known = set(self.levels[name])
                if any(labels[k] not in known for k in np.flatnonzero(present)):
                    return None
                codes[name] = found
            level_codes, labels = codes[name]
            X[:, j] = level_codes == labels.index(recipe[2]) if recipe[2] in labels else 0.0
        return X


def _level_codes(column: pd.Series) -> tuple[np.ndarray, list[str]] | None:
    """Each row's level (0 … k−1) and the levels' labels: a categorical's codes and
    categories, or those of numbers given as ``C(x)`` (`_number_levels`); None for missing
    values or other kinds of column."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        levels = column.array
    elif _is_number(column):
        levels = _number_levels(column.to_numpy())  # as the fit made them (_categorical_for_c)
    else:
        return None
    level_codes = np.asarray(levels.codes)
    if (level_codes < 0).any():
        return None
    return level_codes, [str(c) for c in levels.categories]


def _number_levels(values: np.ndarray) -> pd.Categorical:
    """Numbers as the levels formulaic gives ``C(x)``: their sorted distinct values."""
    counted = sorted_integer_codes(values)
    return pd.Categorical(values) if counted is None else \
        pd.Categorical.from_codes(counted[0], categories=counted[1])


def _direct_columns(rows: pd.DataFrame, recipes: list[tuple]) -> DirectColumns:
    """`_build`'s recipes (levels by position in ``rows``) as `DirectColumns`."""
    columns = []
    levels: dict[str, tuple[str, ...]] = {}
    for recipe in recipes:
        if recipe[0] == "level":
            labels = tuple(str(c) for c in rows[recipe[1]].cat.categories)
            levels[recipe[1]] = labels
            columns.append(("level", recipe[1], labels[recipe[2]]))
        else:
            columns.append(tuple(recipe))
    return DirectColumns(tuple(columns), levels)


def _categorical_for_c(rhs: object, rows: pd.DataFrame) -> pd.DataFrame:
    """Columns used only as ``C(x)`` that are not categorical, made categorical with the
    sorted values of all rows as levels — the levels formulaic gives ``C(x)`` — so that a
    sample's spec knows every level and the matrix can be built directly."""
    text = str(rhs)
    outside = re.sub(r"C\((?:[^()]|\([^()]*\))*\)", " ", text)
    converted = {}
    for name in rows.columns:
        if not _is_number(rows[name]):
            continue
        inside = re.search(rf"C\(\s*{re.escape(str(name))}\s*\)", text)
        if inside and not re.search(rf"(?<![\w.]){re.escape(str(name))}(?![\w.])", outside):
            converted[name] = _number_levels(rows[name].to_numpy())
    return rows.assign(**converted) if converted else rows


def _model_matrix(rhs: object, rows: pd.DataFrame
                  ) -> tuple[object, tuple[pd.DataFrame, list[tuple]] | None, tuple[int, ...],
                             DirectColumns | None]:
    """formulaic's model matrix (for its spec and column names) and, on large data, the
    same matrix built directly.

    formulaic stacks its columns row-major, which costs more than the fit itself on a
    million rows. For formulas of plain numeric and categorical variables (categorical
    dtype, so the levels do not depend on the rows seen) the spec is taken from a sample,
    the full matrix is built column by column (`_build`, from the rows and recipes
    returned: the caller builds it when it needs it), and the sample's matrix must agree
    with formulaic's exactly; anything else uses formulaic on all rows.
    """
    if len(rows) >= _DIRECT_MINIMUM:
        rows = _categorical_for_c(rhs, rows)
        sample = rows.iloc[:2000]
        small = formulaic.model_matrix(rhs, sample, na_action="raise", output="numpy")
        columns = list(small.model_spec.column_names)
        recipes = _recipes(rows, columns)
        expected = sum(len(rows[n].cat.categories) - 1 for n in rows.columns
                       if isinstance(rows[n].dtype, pd.CategoricalDtype))
        levels = sum(1 for r in recipes or [] if r[0] == "level")
        if recipes is not None and levels == expected and \
                np.array_equal(_build(sample, recipes), np.asarray(small, dtype=float)):
            indicators = tuple(j for j, recipe in enumerate(recipes)
                               if recipe[0] in ("one", "level"))
            return small, (rows, recipes), indicators, _direct_columns(rows, recipes)
    return formulaic.model_matrix(rhs, rows, na_action="raise", output="numpy"), None, (), \
        None


def _check_variables(data: pd.DataFrame, formula: str, variables: list[str]) -> None:
    for name in variables:
        if name not in data.columns:
            raise ArgumentError(
                f"model formula {formula!r} names {name!r}, which is not a column of the "
                f"design's data{did_you_mean(name, map(str, data.columns))}"
            )


def _outcome(values: pd.Series, kind: str, name: str, levels: list | None
             ) -> tuple[np.ndarray, np.ndarray, list | None]:
    """Outcome codes and a mask of usable rows."""
    present = values.notna().to_numpy().copy()  # writable: pandas 3 returns read-only views
    if kind == "numeric":
        numeric = pd.to_numeric(values, errors="coerce")
        if (numeric.isna() & values.notna()).any():
            raise ArgumentError(f"outcome {name!r} must be numeric for this model")
        return numeric.fillna(0).to_numpy(float), present, None
    if kind == "binary":
        if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object or \
                pd.api.types.is_string_dtype(values.dtype):
            cats = list(values.astype("category").cat.categories)
            if len(cats) != 2:
                raise ArgumentError(f"binary outcome {name!r} has levels {cats}; it needs "
                                  "exactly two (the model is for the second)")
            return (values == cats[1]).to_numpy(float), present, cats
        numeric = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float,
                                                                  na_value=np.nan)
        bad = present & (numeric != 0.0) & (numeric != 1.0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ArgumentError(f"binary outcome {name!r} must be 0/1 (or two levels); row "
                              f"{row + 1} holds {values.iloc[row]!r}")
        # (the model frame puts 0 in the rows it does not use anyway)
        return (numeric if present.all() else np.where(present, numeric, 0.0)), present, None
    categories = levels
    if categories is None:
        if isinstance(values.dtype, pd.CategoricalDtype):
            categories = list(values.cat.categories)
        else:
            categories = sorted(values.dropna().unique().tolist())
    codes = pd.Categorical(values, categories=categories).codes.astype(np.int64)
    present &= codes >= 0
    if len(categories) < 3 and kind == "ordinal":
        raise ArgumentError(f"ordinal outcome {name!r} needs at least three levels; use a "
                          "binary logit for two")
    return np.where(codes >= 0, codes, 0).astype(float), present, list(categories)


def model_frame(data: pd.DataFrame, formula: str, outcome: str = "numeric",
                weights: np.ndarray | None = None, intercept: bool = True,
                outcome_levels: list | None = None) -> ModelFrame:
    """Build the outcome and model matrix of ``formula`` on all rows of ``data``.

    Parameters
    ----------
    data
        The design's data.
    formula
        ``"outcome ~ predictors"`` in formulaic syntax.
    outcome
        ``"numeric"``, ``"binary"``, ``"ordinal"`` or ``"nominal"``.
    weights
        The design's weights; rows with weight zero are not used.
    intercept
        Keep the intercept column (ordinal models drop it: cut-points take its place).
    outcome_levels
        Level order of a categorical outcome (default: the categorical's own order).
    """
    if "~" not in formula:
        raise ArgumentError(f"model formula {formula!r} needs an outcome: 'y ~ x1 + x2'")
    original = formula
    formula, aliases = _alias_columns(formula, [str(c) for c in data.columns])
    if aliases:
        data = data.rename(columns={v: k for k, v in aliases.items()})
    try:
        parsed = formulaic.Formula(formula)
        variables = sorted(parsed.required_variables, key=str)
    except Exception as error:  # formulaic raises many parser exception types
        raise ArgumentError(f"model formula {original!r} cannot be read: {error}") from None
    names = [str(v) for v in variables]
    _check_variables(data, formula, names)
    lhs = [str(v) for v in parsed.lhs.required_variables]
    if len(lhs) != 1:
        raise ArgumentError(f"model formula {formula!r} needs exactly one outcome variable")
    y, present, levels = _outcome(data[lhs[0]], outcome, lhs[0], outcome_levels)
    rhs_vars = [n for n in names if n != lhs[0]]
    complete = present.copy()
    for name in rhs_vars:  # column by column: a row-wise all() over a frame is far slower
        complete &= data[name].notna().to_numpy()
    if weights is not None:
        complete &= np.asarray(weights) != 0
    if not complete.any():
        empty = [lhs[0]] if not present.any() else []
        empty += [n for n in rhs_vars if data[n].isna().all()]
        which = (f": {', '.join(empty)} {'is' if len(empty) == 1 else 'are'} missing for "
                 "every respondent; check the source variable and its missing codes"
                 if empty else "")
        raise ArgumentError(
            f"model formula {formula!r}: no respondent has all its variables{which}")
    # (y is 0/1: counting its ones among the complete rows is a pass, np.unique a sort)
    if outcome == "binary" and np.count_nonzero(np.logical_and(y, complete)) in (
            0, np.count_nonzero(complete)):
        value = "true (1)" if y[complete][0] == 1 else "false (0)"
        raise ArgumentError(
            f"binary outcome {lhs[0]!r} is {value} for every respondent in the model, so "
            "there is nothing to model; check how the concept is coded (true_values, map)")
    everyone = bool(complete.all())
    rows = data[rhs_vars] if everyone else data.loc[complete, rhs_vars]
    for name in rhs_vars:  # keep only levels that occur, as R's model.frame does
        column = rows[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            # the rows are complete: every code is a level (no −1 for a missing value)
            counts = np.bincount(column.cat.codes.to_numpy(),
                                 minlength=len(column.cat.categories))
            if (counts == 0).any():
                rows = rows.assign(**{name: column.cat.remove_unused_categories()})
    try:
        matrix, plan, indicators, recipes = _model_matrix(parsed.rhs, rows)
    except Exception as error:
        raise ArgumentError(f"model formula {formula!r} cannot be applied: {error}") from None
    columns = list(matrix.model_spec.column_names)
    X: np.ndarray | None = None
    if plan is None or not intercept:
        built = np.asfortranarray(matrix, dtype=float) if plan is None else _build(*plan)
        plan = None
        if everyone:
            X = built
        else:
            X = np.zeros((len(data), len(columns)), order="F")
            X[complete] = built
    terms: dict[str, list[int]] = {}
    for term, indices in matrix.model_spec.term_indices.items():
        terms[str(term)] = list(indices)
    if not intercept and "Intercept" in columns:
        keep = [i for i, c in enumerate(columns) if c != "Intercept"]
        X = X[:, keep]
        remap = {old: new for new, old in enumerate(keep)}
        terms = {t: [remap[i] for i in idx if i in remap] for t, idx in terms.items()}
        terms = {t: idx for t, idx in terms.items() if idx}
        indicators = tuple(remap[i] for i in indicators if i in remap)
        columns = [columns[i] for i in keep]
        if recipes is not None:
            recipes = DirectColumns(tuple(recipes.columns[i] for i in keep), recipes.levels)
    references = {}
    for term in terms:
        for match in re.finditer(r"C\(\s*([\w.`]+)\s*,\s*contr\.treatment\((.*?)\)\s*\)",
                                 term):
            references[match.group(1).strip("`")] = match.group(2).strip().strip("'\"")
    coded = tuple(dict.fromkeys(
        name for term in terms for name in re.findall(r"C\(\s*([\w.`]+)", term)
        if name.strip("`") in data.columns and _is_number(data[name.strip("`")])))
    terms = {("(Intercept)" if t == "1" else _term_label(t)): idx for t, idx in terms.items()}
    def restore(text: str) -> str:
        for alias, name in aliases.items():
            text = text.replace(alias, name)
        return text

    return ModelFrame(np.where(complete, y, 0.0), X, [restore(_r_name(c)) for c in columns],
                      {restore(t): idx for t, idx in terms.items()}, complete,
                      restore(lhs[0]), levels, [restore(v) for v in rhs_vars],
                      matrix.model_spec, aliases,
                      {restore(k): v for k, v in references.items()}, indicators, recipes,
                      tuple(restore(name.strip("`")) for name in coded), plan)


def _is_number(values: pd.Series) -> bool:
    """Numbers (not a categorical, not booleans): ``C(x)`` makes their values levels."""
    return pd.api.types.is_numeric_dtype(values.dtype) and \
        not isinstance(values.dtype, pd.CategoricalDtype) and \
        not pd.api.types.is_bool_dtype(values.dtype)


def formula_variables(data: pd.DataFrame, formula: str) -> list[str]:
    """The data columns a formula uses: outcome first, then predictors as written."""
    if "~" not in formula:
        raise ArgumentError(f"model formula {formula!r} needs an outcome: 'y ~ x1 + x2'")
    aliased, aliases = _alias_columns(formula, [str(c) for c in data.columns])
    try:
        parsed = formulaic.Formula(aliased)
        lhs = [str(v) for v in parsed.lhs.required_variables]
        rhs = sorted((str(v) for v in parsed.rhs.required_variables), key=aliased.find)
    except Exception as error:  # formulaic raises many parser exception types
        raise ArgumentError(f"model formula {formula!r} cannot be read: {error}") from None
    names = list(dict.fromkeys(aliases.get(name, name) for name in lhs + rhs))
    _check_variables(data, formula, names)
    return names


def term_columns(frame: ModelFrame, terms: str | list[str] | Mapping) -> list[int]:
    """Column indices of the named terms (``"age_group"`` matches ``C(age_group)`` too)."""
    wanted = [terms] if isinstance(terms, str) else list(terms)
    indices: list[int] = []
    for term in wanted:
        matches = [t for t in frame.terms if t == term or re.fullmatch(
            rf"C\({re.escape(term)}(,.*)?\)", t)]
        if not matches:
            raise ArgumentError(f"the model has no term {term!r}; its terms are "
                              f"{', '.join(frame.terms)}")
        for match in matches:
            indices += frame.terms[match]
    return sorted(set(indices))
