"""Read CSV survey files described by a YAML codebook.

A CSV file has no dictionary of its own, so the codebook (``<name>.codebook.yaml``) supplies
variable labels, value labels, user-missing codes and measurement levels. The codebook is the
contract: a column it does not describe, a text in a numeric column, or a code outside a
labelled variable's value labels is an error, not a silent NaN.
"""

from __future__ import annotations

import codecs
import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from surveykit._core.errors import ConfigError, DataError
from surveykit._core.messages import shorten
from surveykit.data.io.codebook import Codebook
from surveykit.data.io.encoding import excerpt, find_garbled
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


def _check_not_garbled(text: str, encoding: str, path: Path, delimiter: str | None) -> None:
    """Refuse a UTF-8 file read with another declared encoding: every non-ASCII letter
    would come out garbled ("GrÃ¶ÃŸenbach"), header names and text values alike."""
    if codecs.lookup(encoding).name.startswith("utf"):
        return
    try:
        meant = text.encode(encoding).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return  # not UTF-8 throughout: the declared encoding may well be right
    if meant == text:
        return
    lines = text.splitlines()
    number = next(i for i, line in enumerate(lines) if not line.isascii())
    separator = delimiter or max((",", ";", "\t"), key=lines[0].count)
    header = next(csv.reader([lines[0]], delimiter=separator))
    cells = next(csv.reader([lines[number]], delimiter=separator), [])
    where = next((f"column {header[i]!r}" if number else f"the header's column {i + 1}"
                  for i, cell in enumerate(cells) if not cell.isascii() and i < len(header)),
                 "a cell")
    seen = next((cell for cell in cells if not cell.isascii()), lines[number])
    garbled = find_garbled([(where, seen)], (encoding,))
    shown = garbled.describe() if garbled else f"{where}: {excerpt(seen)}"
    raise DataError(
        f"{path}: line {number + 1}, {shown}: the file is UTF-8 but source.encoding says "
        f"{encoding!r}, which garbles every accented letter (mojibake); set source.encoding: "
        "utf-8 in the survey config (or remove it: UTF-8 is the default)")


def _check_columns(header: list[str], codebook: Codebook, path: Path) -> None:
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen:
            raise DataError(
                f"{path}: the header names the column {name!r} twice (columns {seen[name]} "
                f"and {position}), so one of them would be silently dropped; rename or "
                "remove one of them in the CSV header")
        seen[name] = position
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


#: A number whose points only group thousands (German "1.234.567,5"), and the English twin.
_GERMAN_GROUPS = r"[-+]?\d{1,3}(?:\.\d{3})+(?:,\d*)?"
_ENGLISH_GROUPS = r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"
_STYLES = "source.decimal: ',' (German: 1.234,5) or '.' (English: 1,234.5)"
#: Declared decimal mark → (thousands mark, pattern of a grouped number, style, example,
#: what the other style writes).
_DECLARED = {",": (".", _GERMAN_GROUPS, "German", "1.234,5", "points"),
             ".": (",", _ENGLISH_GROUPS, "English", "1,234.5", "commas")}
_MARK_NAMES = {".": "point", ",": "comma"}


def _first(mask: pd.Series) -> int:
    return int(np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool))[0])


def _at(text: pd.Series, row: int) -> str:
    return f"data row {row + 1} (line {row + 2}): {shorten(text.iloc[row])}"


def _normalise_numbers(text: pd.Series, name: str, path: Path, decimal: str | None
                       ) -> pd.Series:
    """Number text in one style, with a point as the decimal mark.

    Without ``decimal`` a column may use decimal commas or decimal points, not both: in a
    column with "2,5" a "1.234" may be German for 1234, so mixing is refused rather than
    guessed. ``decimal=","`` reads German numbers (points group thousands), ``"."`` English
    ones (commas group thousands); a separator that does not fit is refused.
    """
    commas = text.str.contains(",", regex=False)
    if decimal is None:
        if not commas.any():
            return text
        points = text.str.contains(".", regex=False)
        if points.any():
            comma, point = _first(commas), _first(points)
            raise DataError(
                f"{path}: variable {name!r} mixes number formats — {_at(text, comma)} has a "
                f"comma, {_at(text, point)} a point. In German '1.234' is 1234, in English "
                "1.234, so the column cannot be read safely; write every number of the "
                f"column in one style, or declare the file's style with {_STYLES} in the "
                "survey config")
        return text.str.replace(",", ".", regex=False)
    grouping, pattern, style, example, other = _DECLARED[decimal]
    grouped = text.str.contains(grouping, regex=False)
    bad = grouped & ~text.str.fullmatch(pattern)
    if bad.any():
        raise DataError(
            f"{path}: variable {name!r}, {_at(text, _first(bad))} has a "
            f"{_MARK_NAMES[grouping]}, but source.decimal is {decimal!r} ({style}), where a "
            f"{_MARK_NAMES[grouping]} may only group thousands ({example}); correct the "
            f"value, or set source.decimal: {grouping!r} if the file writes decimal "
            f"{other}")
    return text.str.replace(grouping, "", regex=False).str.replace(decimal, ".", regex=False)


def _to_numeric(column: pd.Series, name: str, path: Path, decimal: str | None = None
                ) -> pd.Series:
    text = column.astype("string").str.strip()
    numeric = pd.to_numeric(_normalise_numbers(text, name, path, decimal), errors="coerce")
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
    decimal: str | None = None,
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
    decimal
        The decimal mark of numbers: ``","`` (German: points group thousands, "1.234,5"),
        ``"."`` (English: commas group thousands, "1,234.5") or ``None``: each column
        uses decimal commas or decimal points, and a column with both is refused.

    Returns
    -------
    pandas.DataFrame
        Numeric variables as float64, string variables as strings;
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
    _check_not_garbled(text, encoding, path, delimiter)
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
            columns[variable.name] = _to_numeric(raw[variable.name], variable.name, path,
                                                 decimal)
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
