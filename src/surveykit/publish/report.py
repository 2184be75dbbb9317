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


def _estimate_text(row: Any, numeric: bool, language: str) -> tuple[str, str]:
    """(estimate, interval) as shown: "/" when hidden, parentheses when limited."""
    if str(row.flag).startswith("suppressed"):
        return "/", ""
    estimate = _cell(row.estimate, numeric, language, 1)
    interval = f"{_cell(row.ci_low, numeric, language, 1)}–" \
               f"{_cell(row.ci_high, numeric, language, 1)}"
    if row.flag == "limited":
        return f"({estimate})", f"({interval})"
    return estimate, interval


def html_rows(rows: pd.DataFrame, language: str) -> list[dict[str, Any]]:
    """A table's rows as blocks, one per indicator and breakdown (each small enough for a
    page): a binary share or mean has one line per group; the levels of an ordinal or
    categorical indicator are columns, each cell "share (interval)" with its mark."""
    text = TEXT[language]
    blocks = []
    for (_indicator, breakdown), part in rows.groupby(["indicator", "breakdown"], sort=False):
        first = part.iloc[0]
        numeric = first["kind"] in ("numeric", "scale")
        levels = list(dict.fromkeys(part["level_label"])) if first["kind"] in (
            "categorical", "ordinal") else [""]
        caption = str(first["indicator_label"]) + (
            f" – {first['breakdown_label']}" if breakdown else "")
        lines = []
        for _, domain in part.groupby("domain", sort=False):
            head = domain.iloc[0]
            hidden = str(head["flag"]).startswith("suppressed")
            cells = []
            for level in levels:
                match = domain[domain["level_label"] == level] if level else domain
                row = next(match.itertuples(index=False))
                estimate, interval = _estimate_text(row, numeric, language)
                cells.append({"estimate": estimate, "interval": interval,
                              "mark": "" if hidden else str(row.mark or "")})
            lines.append({
                "group": text["total"] if not breakdown else str(head["domain_label"]),
                "cells": cells,
                "n": "" if hidden or not finite(head["n"]) else format_count(head["n"],
                                                                              language),
                "n_weighted": "" if hidden or not finite(head["n_weighted"]) else
                format_count(head["n_weighted"], language),
                "deff": "" if hidden or not finite(head["deff"]) or len(levels) > 1 else
                format_number(head["deff"], 2, language)})
        blocks.append({"caption": caption, "levels": levels if levels != [""] else
                       [text["mean"] if numeric else text["share"]], "lines": lines,
                       "wide": len(levels) > 1})
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
