"""Read CSV survey files described by a YAML codebook.

A CSV file has no dictionary of its own, so the codebook (``<name>.codebook.yaml``) supplies
variable labels, value labels, user-missing codes and measurement levels. The codebook is the
contract: a column it does not describe, a text in a numeric column, or a code outside a
labelled variable's value labels is an error, not a silent NaN.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from surveykit._core.errors import ConfigError, DataError
from surveykit._core.messages import shorten
from surveykit.data.io.codebook import Codebook
from surveykit.data.safe_yaml import read_yaml
from surveykit.data.schemas import validate

__all__ = ["read_codebook", "read_csv", "write_codebook", "write_csv"]


def read_codebook(path: str | Path) -> Codebook:
    """Read and validate a YAML codebook (format:
    ``surveykit/data/schemas/codebook.schema.json``)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"{path}: codebook not found; a CSV source needs a YAML codebook "
            "(set source.codebook in the survey config, or create it from "
            "'surveykit inspect FILE --codebook')"
        )
    spec = read_yaml(path, "codebook")
    validate(spec, "codebook", str(path))
    return Codebook.from_dict(spec, source=str(path))


def write_codebook(codebook: Codebook, path: str | Path, header: str = "") -> None:
    """Write ``codebook`` as YAML (the format :func:`read_codebook` reads)."""
    text = yaml.safe_dump(codebook.to_dict(), allow_unicode=True, sort_keys=False, width=100)
    Path(path).write_text(header + text, encoding="utf-8")


def _first_undecodable_line(path: Path, encoding: str) -> tuple[int, str]:
    """Line number (1-based) and raw excerpt of the first line that does not decode."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                return number, raw.decode(encoding, errors="replace").strip()[:60]
    return 0, ""


def _check_columns(header: list[str], codebook: Codebook, path: Path) -> None:
    missing = [n for n in codebook.names if n not in header]
    extra = [n for n in header if n not in codebook]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"columns described in the codebook but absent: {', '.join(missing)}")
        if extra:
            parts.append(f"columns not described in the codebook: {', '.join(extra)}")
        raise DataError(
            f"{path}: {'; '.join(parts)}. Make the CSV header and the codebook "
            f"({codebook.source}) name the same variables"
        )


def _to_numeric(column: pd.Series, name: str, path: Path) -> pd.Series:
    text = column.astype("string").str.strip()
    numeric = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    bad = numeric.isna() & text.notna() & (text != "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{path}: variable {name!r}, data row {row + 1} (line {row + 2}): "
            f"{shorten(text.iloc[row])} is not a number, but the codebook says {name} is "
            "numeric; correct the value or declare the variable as type: string"
        )
    return numeric.astype(float)


def _check_codes(data: pd.DataFrame, codebook: Codebook, path: Path) -> None:
    """Codes of labelled categorical variables must be labelled or declared missing."""
    for variable in codebook:
        if variable.measure not in ("nominal", "ordinal") or not variable.value_labels:
            continue
        values = data[variable.name]
        allowed = values.isna().to_numpy() | variable.user_missing_mask(values)
        if variable.type == "string":
            allowed |= values.isin([str(k) for k in variable.value_labels]).to_numpy()
        else:
            allowed |= np.isin(values.to_numpy(dtype=float),
                               np.asarray(list(variable.value_labels), dtype=float))
        if not allowed.all():
            row = int(np.flatnonzero(~allowed)[0])
            value = values.iloc[row]
            shown = int(value) if float(value).is_integer() else value
            codes = ", ".join(f"{k} ({v})" for k, v in variable.value_labels.items())
            raise DataError(
                f"{path}: variable {variable.name!r}, data row {row + 1} (line {row + 2}): "
                f"value {shown!r} is not in the codebook ({codes}). Correct the data, or add "
                f"the code to values: or missing: of {variable.name} in {codebook.source}"
            )


def read_csv(
    path: str | Path,
    codebook: Codebook,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> pd.DataFrame:
    """Read a CSV survey file and check it against its codebook.

    Parameters
    ----------
    path
        The CSV file (header row with variable names).
    codebook
        The file's codebook (see :func:`read_codebook`).
    encoding
        Character encoding of the file; must be given right, a wrong one is an error.
    delimiter
        Field separator; ``None`` sniffs ``,`` ``;`` or tab from the header line.

    Returns
    -------
    pandas.DataFrame
        Numeric variables as float64 (decimal comma accepted), string variables as strings;
        user-missing codes are kept as codes.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found; check source.path in the survey config")
    try:
        with path.open(encoding=encoding, newline="") as handle:
            text = handle.read()
    except LookupError:
        raise DataError(
            f"{path}: unknown encoding {encoding!r}; use a Python codec name such as "
            "'utf-8', 'cp1252' or 'latin1' in source.encoding"
        ) from None
    except UnicodeDecodeError:
        line, excerpt = _first_undecodable_line(path, encoding)
        raise DataError(
            f"{path}: line {line} is not valid {encoding} ({excerpt!r}); the file was "
            "probably saved in another encoding: set source.encoding in the survey config "
            "(often cp1252 or latin1 for files exported from Excel or SPSS on Windows)"
        ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise DataError(f"{path}: the file is empty; export the data again")
    first_line = text.splitlines()[0]
    if delimiter is None:
        delimiter = max((",", ";", "\t"), key=first_line.count)
    header = next(csv.reader([first_line], delimiter=delimiter))
    _check_columns(header, codebook, path)
    _check_field_counts(text, delimiter, len(header), path)
    try:
        raw = pd.read_csv(
            pd.io.common.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
        )
    except (pd.errors.ParserError, ValueError) as error:
        raise DataError(f"{path}: not a well-formed CSV file ({error}); check the delimiter "
                        "(source.delimiter) and quoting") from None
    columns: dict[str, Any] = {}
    for variable in codebook:
        if variable.type == "numeric":
            columns[variable.name] = _to_numeric(raw[variable.name], variable.name, path)
        else:
            columns[variable.name] = raw[variable.name].astype("string")
    data = pd.DataFrame(columns, index=pd.RangeIndex(len(raw)))
    _check_codes(data, codebook, path)
    return data


def _check_field_counts(text: str, delimiter: str, expected: int, path: Path) -> None:
    """Refuse a row with fewer fields than the header (pandas would fill them in as missing,
    silently, e.g. for the last line of a truncated file)."""
    reader = csv.reader(pd.io.common.StringIO(text), delimiter=delimiter)
    limit = csv.field_size_limit(2**31 - 1)  # a long text cell is no error here
    try:
        for row in reader:
            if row and len(row) < expected:
                raise DataError(
                    f"{path}: line {reader.line_num} has {len(row)} field(s) but the header "
                    f"has {expected}; the file is probably truncated or a row was broken "
                    "across lines: export it again, or complete that row")
    except csv.Error as error:  # e.g. a lone carriage return in an unquoted field
        raise DataError(
            f"{path}: line {reader.line_num} is not well-formed CSV ({error}); a stray line "
            "break or an unclosed quote breaks the row: export the file again, or quote "
            "that field") from None
    finally:
        csv.field_size_limit(limit)


def write_csv(data: pd.DataFrame, codebook: Codebook, path: str | Path) -> None:
    """Write ``data`` as UTF-8 CSV in codebook order, integral codes without ``.0``."""
    out = pd.DataFrame(index=data.index)
    for variable in codebook:
        column = data[variable.name]
        if variable.type == "numeric":
            values = column.to_numpy(dtype=float)
            integral = np.isfinite(values) & (values == np.round(values))
            text = np.full(len(values), "", dtype=object)
            text[integral] = np.char.mod("%d", values[integral].astype(np.int64))
            # Shortest text that reads back as the same float: CSV and SAV stay identical.
            fractional = np.flatnonzero(np.isfinite(values) & ~integral)
            text[fractional] = [repr(float(v)) for v in values[fractional]]
            out[variable.name] = text
        else:
            out[variable.name] = column.fillna("")
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
