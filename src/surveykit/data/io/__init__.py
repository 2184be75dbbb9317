"""Reading survey files: SPSS (``.sav``, ``.zsav``, ``.por``) and CSV with a YAML codebook.

`read_survey` is the one entry point: it returns the data with user-missing codes kept as
codes, and the `Codebook` with every label and missing declaration the source holds.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from surveykit._core.errors import ConfigError
from surveykit.data.io.codebook import Codebook, Variable
from surveykit.data.io.delimited import read_codebook, read_csv, write_codebook, write_csv
from surveykit.data.io.spss import SPSS_FORMATS, read_spss, read_spss_metadata, write_sav

__all__ = [
    "FORMATS",
    "Codebook",
    "Variable",
    "default_codebook_path",
    "detect_format",
    "read_codebook",
    "read_csv",
    "read_spss",
    "read_survey",
    "read_survey_metadata",
    "write_codebook",
    "write_csv",
    "write_sav",
]

FORMATS = (*SPSS_FORMATS, "csv")


def detect_format(path: str | Path, declared: str | None = None) -> str:
    """The file format: ``declared`` if given, else from the file name's extension."""
    if declared:
        return declared.lower()
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise ConfigError(
        f"{path}: cannot tell the format from the extension '.{suffix}'; set source.format "
        f"to one of {', '.join(FORMATS)}"
    )


def default_codebook_path(path: str | Path) -> Path:
    """``data.csv`` → ``data.codebook.yaml`` (the conventional place for a CSV's codebook)."""
    path = Path(path)
    return path.with_name(f"{path.stem}.codebook.yaml")


def read_survey(
    path: str | Path,
    format: str | None = None,
    encoding: str | None = None,
    codebook: str | Path | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
    processes: int = 1,
) -> tuple[pd.DataFrame, Codebook]:
    """Read a survey file with its codebook.

    Parameters
    ----------
    path
        The data file.
    format
        ``"sav"``, ``"zsav"``, ``"por"`` or ``"csv"``; ``None`` infers it from the extension.
    encoding
        Character encoding; for CSV ``None`` means UTF-8, for SPSS the file's own.
    codebook
        For CSV: the YAML codebook; ``None`` looks for ``<stem>.codebook.yaml`` beside it.
    delimiter
        For CSV: the field separator; ``None`` sniffs it.
    decimal
        For CSV: the decimal mark ``","`` or ``"."``; ``None`` accepts either per column
        but not both (see `surveykit.data.io.delimited.read_csv`).
    processes
        For a large SPSS system file: processes that may read parts of it
        (`surveykit.data.io.spss.read_spss`).
    """
    kind = detect_format(path, format)
    if kind in SPSS_FORMATS:
        return read_spss(path, encoding=encoding, processes=processes)
    book = read_codebook(codebook or default_codebook_path(path))
    data = read_csv(path, book, encoding=encoding or "utf-8", delimiter=delimiter,
                    decimal=decimal)
    return data, _as_source_of(book, path, encoding)


def _as_source_of(book: Codebook, path: str | Path, encoding: str | None) -> Codebook:
    """A CSV codebook as the codebook of the data file ``path`` (named in messages)."""
    return Codebook(book.variables, source=str(path), file_label=book.file_label,
                    encoding=encoding or "utf-8")


def read_survey_metadata(
    path: str | Path,
    format: str | None = None,
    encoding: str | None = None,
    codebook: str | Path | None = None,
) -> Codebook:
    """A survey file's codebook without its data: the SPSS dictionary, or the CSV's YAML
    codebook. Fast enough to check a config against when it is loaded.

    Parameters as :func:`read_survey`.
    """
    kind = detect_format(path, format)
    if kind in SPSS_FORMATS:
        return read_spss_metadata(path, encoding=encoding)
    return _as_source_of(read_codebook(codebook or default_codebook_path(path)), path, encoding)
