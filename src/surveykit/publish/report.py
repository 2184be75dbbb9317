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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from surveykit.publish.findings import Finding, finite
from surveykit.publish.formats import format_count, format_number, format_percent
from surveykit.publish.labels import Labels
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
    """A table under a figure: caption, base, formatted rows, notes and tests."""

    caption: str
    base: str
    numeric: bool
    rows: list[dict[str, str]]
    notes: list[str]
    tests: list[str]
    anchor: str = ""


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


def html_rows(rows: pd.DataFrame, language: str) -> list[dict[str, str]]:
    """Formatted rows for an HTML table: group, level, estimate, interval, n, N, marks."""
    text = TEXT[language]
    out = []
    for row in rows.itertuples(index=False):
        numeric = row.kind in ("numeric", "scale")
        hidden = str(row.flag).startswith("suppressed")
        limited = row.flag == "limited"
        estimate = "/" if hidden else _cell(row.estimate, numeric, language, 1)
        interval = "" if hidden else (
            f"{_cell(row.ci_low, numeric, language, 1)}–{_cell(row.ci_high, numeric, language, 1)}")
        if limited and not hidden:
            estimate, interval = f"({estimate})", f"({interval})"
        out.append({
            "group": text["total"] if not row.breakdown else
            f"{row.breakdown_label}: {row.domain_label}",
            "level": "" if numeric else str(row.level_label),
            "estimate": estimate, "interval": interval,
            "n": "" if hidden or not finite(row.n) else format_count(row.n, language),
            "n_weighted": "" if hidden or not finite(row.n_weighted) else
            format_count(row.n_weighted, language),
            "deff": "" if hidden or not finite(row.deff) else
            format_number(row.deff, 2, language),
            "mark": "" if hidden else str(row.mark or ""),
        })
    return out


def share_base(rows: pd.DataFrame, language: str) -> str:
    """"Basis: n = 2.215 Befragte, gewichtet" from a table's overall rows."""
    overall = rows[rows["breakdown"] == ""]["n"]
    overall = overall[overall.notna()]
    n = int(overall.max()) if len(overall) else 0
    return TEXT[language]["basis"].format(n=format_count(n, language))


def render_report(context: Mapping[str, Any]) -> str:
    """The HTML text of the report (Jinja2, autoescape on)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=PackageLoader("surveykit.publish", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)
    return environment.get_template("report.html.j2").render(**context)


def percent(value: float, language: str) -> str:
    """A share for running text."""
    return format_percent(value, 0, language)


def findings_context(findings: Sequence[Finding]) -> list[dict[str, str]]:
    return [{"text": f.text, "anchor": f.anchor} for f in findings]


def labels_for(concepts: Mapping[str, Any], language: str) -> Labels:
    return Labels(concepts, language)
