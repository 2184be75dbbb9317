"""Read and write SPSS files (``.sav``, ``.zsav``, ``.por``) through pyreadstat.

User-missing codes are read as the codes themselves (``user_missing=True``), not as NaN, so
that the ingest report can say which codes were treated as missing and why; the harmonise
step turns them into missing values.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyreadstat

from surveykit._core.codes import format_code
from surveykit._core.errors import DataError
from surveykit._core.messages import shorten
from surveykit.data.io.codebook import Codebook, Variable
from surveykit.data.io.encoding import GARBLING_ENCODINGS, find_garbled

__all__ = ["SPSS_FORMATS", "read_spss", "read_spss_metadata", "write_sav"]

SPSS_FORMATS = ("sav", "zsav", "por")


def _codebook_from_meta(meta: pyreadstat.metadata_container, source: str) -> Codebook:
    """Translate pyreadstat's metadata into a `Codebook`."""
    labels = meta.column_names_to_labels or {}
    value_labels = meta.variable_value_labels or {}
    measures = meta.variable_measure or {}
    formats = meta.original_variable_types or {}
    types = meta.readstat_variable_types or {}
    missing_ranges = meta.missing_ranges or {}
    variables = []
    for name in meta.column_names:
        discrete, ranges = [], []
        for entry in missing_ranges.get(name, []):
            low, high = entry["lo"], entry["hi"]
            if low == high:
                discrete.append(low)
            else:
                ranges.append((low, high))
        variables.append(
            Variable(
                name=name,
                label=labels.get(name) or "",
                type="string" if types.get(name) == "string" else "numeric",
                measure=measures.get(name) if measures.get(name) in (
                    "nominal", "ordinal", "scale") else "unknown",
                value_labels=value_labels.get(name, {}),
                missing_values=tuple(discrete),
                missing_ranges=tuple(ranges),
                format=formats.get(name),
            )
        )
    return Codebook(
        tuple(variables),
        source=source,
        file_label=meta.file_label or "",
        encoding=meta.file_encoding,
    )


#: From this many cases a system file is read by several processes (when given).
PARALLEL_ROWS = 200_000


def read_spss(path: str | Path, encoding: str | None = None, processes: int = 1
              ) -> tuple[pd.DataFrame, Codebook]:
    """Read an SPSS file with its whole dictionary.

    Parameters
    ----------
    path
        A ``.sav``, ``.zsav`` or ``.por`` file.
    encoding
        Character encoding for ``.sav``/``.zsav`` files that do not declare theirs correctly
        (old files written by SPSS < 16 are often ``"cp1252"``); ``None`` uses the file's own.
    processes
        Processes that may read parts of a large system file (from `PARALLEL_ROWS` cases;
        pyreadstat's ``read_file_multiprocessing``, the same data): parsing a million cases
        takes 6–8 s in one process and about 4.5 s in two.

    Returns
    -------
    data, codebook
        The data with user-missing codes kept as codes, and the file's codebook.

    Raises
    ------
    DataError
        If the file is missing, not an SPSS file, truncated or corrupt.
    """
    return _read(Path(path), encoding, metadata_only=False, processes=processes)


def read_spss_metadata(path: str | Path, encoding: str | None = None) -> Codebook:
    """The codebook of an SPSS file without reading its data (fast, for config checks).

    Parameters and errors as :func:`read_spss`.
    """
    return _read(Path(path), encoding, metadata_only=True)[1]


def _likely_cause(path: Path, suffix: str) -> str:
    """Why pyreadstat could not read ``path``, from its first bytes, and the fix."""
    with path.open("rb") as handle:
        start = handle.read(512)
    system_file = start[:4] in (b"$FL2", b"$FL3")
    if suffix == "por" and system_file:
        return ("it is an SPSS system file, not a portable file: rename it to .sav (and "
                "source.path with it)")
    if suffix != "por" and not system_file:
        kind = "a portable file (.por)" if b"SPSS PORT FILE" in start else "not an SPSS file"
        fix = ("rename it to .por (and source.path with it)" if "portable" in kind else
               "export it again from SPSS (File > Save As > .sav)")
        return f"it does not start like a .sav file; it is {kind}: {fix}"
    return ("it is probably truncated or corrupt: export it again from SPSS or restore it "
            "from the original source")


def _read(path: Path, encoding: str | None, metadata_only: bool, processes: int = 1
          ) -> tuple[pd.DataFrame, Codebook]:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in SPSS_FORMATS:
        raise DataError(
            f"{path}: '.{suffix}' is not an SPSS file; surveykit reads .sav, .zsav and .por "
            "(or .csv with a codebook: set source.format: csv)"
        )
    if not path.is_file():
        raise DataError(f"{path}: file not found; check source.path in the survey config")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty (0 bytes), so the export or the copy did "
                        "not complete; export it again from SPSS or copy it again")
    try:
        if suffix == "por":
            # Portable files carry no encoding and pyreadstat cannot keep their user-missing
            # codes apart from system-missing ones; the declarations stay in the codebook.
            data, meta = pyreadstat.read_por(str(path), metadataonly=metadata_only)
        elif processes > 1 and not metadata_only and pyreadstat.read_sav(
                str(path), metadataonly=True, encoding=encoding)[1].number_rows \
                >= PARALLEL_ROWS:
            data, meta = pyreadstat.read_file_multiprocessing(
                pyreadstat.read_sav, str(path), num_processes=processes, user_missing=True,
                encoding=encoding)
        else:
            data, meta = pyreadstat.read_sav(str(path), user_missing=True, encoding=encoding,
                                             metadataonly=metadata_only)
    except pyreadstat.ReadstatError as error:
        if "encoding" in str(error).lower():
            raise DataError(_undecodable(path, encoding)) from None
        raise DataError(f"{path}: cannot read this SPSS file ({error}); "
                        f"{_likely_cause(path, suffix)}") from None
    except UnicodeDecodeError as error:
        raise DataError(
            f"{path}: text in the file is not valid {encoding or 'in its declared encoding'} "
            f"({error.reason}); set source.encoding (e.g. cp1252 or latin1) in the survey config"
        ) from None
    except LookupError:
        raise DataError(
            f"{path}: unknown encoding {encoding!r}; use a Python codec name such as "
            "'utf-8', 'cp1252' or 'latin1'"
        ) from None
    if suffix != "por":
        _check_text(path, encoding, data, meta)
    return data, _codebook_from_meta(meta, str(path))


def _own_encoding(path: Path) -> str | None:
    """The encoding the file declares, if its text decodes with it (else ``None``)."""
    try:
        return pyreadstat.read_sav(str(path), metadataonly=True)[1].file_encoding or None
    except (pyreadstat.ReadstatError, UnicodeDecodeError, LookupError):
        return None


def _undecodable(path: Path, encoding: str | None) -> str:
    """The message for text that does not decode: blame the encoding, say the fix."""
    if encoding is None:
        return (f"{path}: the text of this SPSS file is not valid in the encoding the file "
                "declares; the file was probably written by an old SPSS version: set "
                "source.encoding (often cp1252 or latin1) in the survey config")
    own = _own_encoding(path)
    fix = (f"the file declares {own} and reads correctly with it: remove source.encoding "
           "from the survey config" if own else
           "set source.encoding to the encoding the file was written in (often utf-8, "
           "cp1252 or latin1)")
    return (f"{path}: the file's text cannot be read as {encoding!r} (source.encoding), not "
            f"because the file is damaged; {fix}")


def _texts(meta: pyreadstat.metadata_container, data: pd.DataFrame
           ) -> Iterator[tuple[str, object]]:
    """Every label of the file, then every distinct text value, with where it was seen."""
    yield "the file label", meta.file_label
    for name, label in (meta.column_names_to_labels or {}).items():
        yield f"the label of variable {name!r}", label
    for name, labels in (meta.variable_value_labels or {}).items():
        for code, label in labels.items():
            yield f"the value label of {format_code(code)} of variable {name!r}", label
    for name in data.columns:
        if data[name].dtype == object:
            for value in pd.unique(data[name].dropna()):
                yield f"a value of variable {name!r}", value


def _labels(meta: pyreadstat.metadata_container) -> dict[str, object]:
    return {where: text for where, text in _texts(meta, pd.DataFrame())}


def _check_text(path: Path, encoding: str | None, data: pd.DataFrame,
                meta: pyreadstat.metadata_container) -> None:
    """Refuse garbled text (UTF-8 read as Latin-1/Windows-1252), and a declared
    ``source.encoding`` that changes the labels of a file that reads cleanly with its own."""
    read_as = tuple(dict.fromkeys(e for e in (encoding, *GARBLING_ENCODINGS) if e))
    garbled = find_garbled(_texts(meta, data), read_as)
    if garbled is not None:
        own = _own_encoding(path) if encoding is not None else None
        fix = ("remove source.encoding from the survey config (the file declares "
               f"{own} and reads correctly with it)" if own and own.lower().replace("-", "")
               == "utf8" else "set source.encoding: utf-8 in the survey config")
        shown = repr(encoding) if encoding else f"{meta.file_encoding} (as the file declares)"
        raise DataError(f"{path}: text read as {shown} is garbled (mojibake) — "
                        f"{garbled.describe()}; the file's text is UTF-8: {fix}")
    if encoding is None:
        return
    own = _own_encoding(path)
    if own is None:
        return  # the declaration overrides one the file gets wrong: what it is for
    try:
        own_labels = _labels(pyreadstat.read_sav(str(path), metadataonly=True)[1])
    except (pyreadstat.ReadstatError, UnicodeDecodeError):
        return
    for where, text in _labels(meta).items():
        if own_labels.get(where) != text:
            raise DataError(
                f"{path}: source.encoding is {encoding!r}, but the file declares {own} and "
                f"reading it as {encoding!r} changes its text — {where}: {shorten(text, 60)} "
                f"instead of {shorten(own_labels.get(where), 60)}; remove source.encoding "
                f"from the survey config (or set it to {own})")


def write_sav(data: pd.DataFrame, codebook: Codebook, path: str | Path,
              zsav: bool | None = None) -> None:
    """Write ``data`` as an SPSS ``.sav`` (or ``.zsav``) file with the codebook's dictionary.

    Used by ``surveykit synth`` to ship the example survey as a real SPSS file. ``.sav``
    files get SPSS's usual row compression, ``.zsav`` files zlib compression; ``zsav=None``
    decides by the file name.
    """
    path = Path(path)
    if zsav is None:
        zsav = path.suffix.lower() == ".zsav"
    missing: dict[str, list] = {}
    for variable in codebook:
        declared: list = [float(v) for v in variable.missing_values]
        declared += [{"lo": lo, "hi": hi} for lo, hi in variable.missing_ranges]
        if declared:
            missing[variable.name] = declared
    pyreadstat.write_sav(
        data[codebook.names],
        str(path),
        file_label=codebook.file_label,
        column_labels={v.name: v.label for v in codebook},
        compress=zsav,
        row_compress=not zsav,
        variable_value_labels={
            v.name: {float(k): label for k, label in v.value_labels.items()}
            for v in codebook
            if v.value_labels
        },
        missing_ranges=missing,
        variable_measure={v.name: v.measure for v in codebook if v.measure != "unknown"},
        variable_format={v.name: v.format for v in codebook if v.format},
    )
