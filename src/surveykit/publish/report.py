"""The report a project lead reads in five minutes: one self-contained HTML file.

Jinja2 with autoescape (text from data or config is never markup), figures inlined as PNG
data URIs, no external request (no CDN, no web font), German by default and English with
``report.language: en``. Key findings first, each linked to its chapter; under every figure
its table with base, symbols and marks as in the workbook; methods with a study design box;
limitations; data protection; a reproducibility appendix with input checksums, package
versions and the command that rebuilds it. Nothing in it depends on the time of the run, so
a rerun is byte-identical.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from surveykit.publish.findings import finite
from surveykit.publish.formats import format_count, format_number
from surveykit.publish.report_text import TEXT

__all__ = ["ReportChapter", "ReportFigure", "ReportTable", "html_rows", "render_report",
           "sha256_of", "versions"]

PACKAGES = ("surveykit", "numpy", "pandas", "scipy", "statsmodels", "scikit-learn",
            "matplotlib", "seaborn", "jinja2", "openpyxl", "pyreadstat", "snakemake",
            "python-pptx")


@dataclass(frozen=True)
class ReportFigure:
    """A figure as the report shows it."""

    name: str
    title: str
    caption: str
    data_uri: str
    alt: str


@dataclass(frozen=True)
class ReportTable:
    """A table under a figure: caption, base, notes and tests, and either share blocks
    (`html_rows`) or plain ``headers`` and ``rows`` of text."""

    caption: str
    base: str
    numeric: bool
    blocks: list[dict[str, Any]]
    notes: list[str]
    tests: list[str]
    anchor: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class ReportChapter:
    """A chapter: anchor, title, introduction, figures and tables."""

    anchor: str
    title: str
    intro: str = ""
    figures: list[ReportFigure] = field(default_factory=list)
    tables: list[ReportTable] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)


def sha256_of(path: str | Path) -> str:
    """The SHA-256 of a file (inputs of the reproducibility appendix)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def versions() -> list[tuple[str, str]]:
    """Installed versions of the packages the results depend on."""
    found = []
    for name in PACKAGES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return found


def figure_for(directory: Path, listing: Mapping[str, Any], name: str) -> ReportFigure | None:
    """A figure of the figures step, inlined (PNG as a data URI), or None if absent."""
    entry = next((f for f in listing.get("figures", []) if f["name"] == name), None)
    if entry is None or not (directory / entry["png"]).is_file():
        return None
    encoded = base64.b64encode((directory / entry["png"]).read_bytes()).decode("ascii")
    return ReportFigure(name=name, title=entry["title"], caption=entry["caption"],
                        data_uri=f"data:image/png;base64,{encoded}",
                        alt=f"{entry['title']}. {entry['caption']}")


def _cell(value: float, numeric: bool, language: str, decimals: int = 0) -> str:
    if not finite(value):
        return ""
    return format_number(value, 2, language) if numeric else \
        format_number(value * 100, decimals, language)


def _estimate_text(row: Mapping[str, Any], numeric: bool, language: str) -> tuple[str, str]:
    """(estimate, interval) as shown: "/" when hidden, parentheses when limited."""
    if str(row["flag"]).startswith("suppressed"):
        return "/", ""
    estimate = _cell(row["estimate"], numeric, language, 1)
    interval = f"{_cell(row['ci_low'], numeric, language, 1)}–" \
               f"{_cell(row['ci_high'], numeric, language, 1)}"
    if row["flag"] == "limited":
        return f"({estimate})", f"({interval})"
    return estimate, interval


def _line(head: Mapping[str, Any], cells: list[dict[str, str]], breakdown: str,
          levels: int, language: str) -> dict[str, Any]:
    """One group's line of a share table's block: its label, cells, n and design effect
    (those hidden where the group's cells are suppressed)."""
    hidden = str(head["flag"]).startswith("suppressed")
    return {
        "group": TEXT[language]["total"] if not breakdown else str(head["domain_label"]),
        "cells": cells,
        "n": "" if hidden or not finite(head["n"]) else format_count(head["n"], language),
        "n_weighted": "" if hidden or not finite(head["n_weighted"]) else
        format_count(head["n_weighted"], language),
        "deff": "" if hidden or not finite(head["deff"]) or levels > 1 else
        format_number(head["deff"], 2, language)}


def _block(first: Mapping[str, Any], breakdown: str, levels: list[str],
           groups: list[tuple[Mapping[str, Any], list[Mapping[str, Any]]]], language: str
           ) -> dict[str, Any]:
    """A share table's block of one indicator and breakdown, from its first row, its
    levels (``[""]`` for a share or mean) and per group its first row and its row of each
    level."""
    text = TEXT[language]
    numeric = first["kind"] in ("numeric", "scale")
    caption = str(first["indicator_label"]) + (
        f" – {first['breakdown_label']}" if breakdown else "")
    lines = []
    for head, level_rows in groups:
        hidden = str(head["flag"]).startswith("suppressed")
        cells = []
        for row in level_rows:
            estimate, interval = _estimate_text(row, numeric, language)
            cells.append({"estimate": estimate, "interval": interval,
                          "mark": "" if hidden else str(row["mark"] or "")})
        lines.append(_line(head, cells, breakdown, len(levels), language))
    return {"caption": caption, "levels": levels if levels != [""] else
            [text["mean"] if numeric else text["share"]], "lines": lines,
            "wide": len(levels) > 1}


def _grouped(records: list[dict[str, Any]], *keys: str) -> dict[tuple, list[dict[str, Any]]]:
    """Records by ``keys``, groups and records in the order they come (as pandas'
    ``groupby(keys, sort=False)``, which also leaves out records with a missing key)."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for record in records:
        key = tuple(record[name] for name in keys)
        if not any(pd.isna(value) for value in key):
            groups.setdefault(key, []).append(record)
    return groups


def html_rows(rows: pd.DataFrame, language: str) -> list[dict[str, Any]]:
    """A table's rows as blocks, one per indicator and breakdown (each small enough for a
    page): a binary share or mean has one line per group; the levels of an ordinal or
    categorical indicator are columns, each cell "share (interval)" with its mark.

    The rows are walked as plain records: selecting them with pandas, row by row, took
    seconds for the few hundred rows of a survey's tables.
    """
    blocks = []
    for (_indicator, breakdown), part in _grouped(rows.to_dict("records"), "indicator",
                                                  "breakdown").items():
        first = part[0]
        levels = list(dict.fromkeys(record["level_label"] for record in part)) \
            if first["kind"] in ("categorical", "ordinal") else [""]
        groups = [(domain[0], [next(record for record in domain
                                    if not level or record["level_label"] == level)
                               for level in levels])
                  for domain in _grouped(part, "domain").values()]
        blocks.append(_block(first, breakdown, levels, groups, language))
    return blocks


def share_base(rows: pd.DataFrame, language: str) -> str:
    """"Basis: n = 2.215 Befragte, gewichtet" from a table's overall rows."""
    overall = rows[rows["breakdown"] == ""]["n"]
    overall = overall[overall.notna()]
    n = int(overall.max()) if len(overall) else 0
    return TEXT[language]["basis"].format(n=format_count(n, language))


def render_report(context: Mapping[str, Any], template: str = "report.html.j2") -> str:
    """The HTML text of a report (Jinja2, autoescape on): the survey report, or another
    template of ``publish/templates`` such as the comparison report."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=PackageLoader("surveykit.publish", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)
    return environment.get_template(template).render(**context)
