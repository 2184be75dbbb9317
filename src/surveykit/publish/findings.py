"""Key findings as sentences with numbers and intervals, generated from the results.

Every sentence is built from the published tables (so it never cites a suppressed cell),
names its base and its interval, and links to the chapter it summarises. Nothing is
specific to the example survey: the groups, labels and levels come from the config and
the harmonised concepts, so another region's report speaks of its own groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from surveykit.publish.formats import format_count, format_interval, format_percent, format_pp
from surveykit.publish.labels import Labels

__all__ = ["Finding", "key_findings", "share_text"]


@dataclass(frozen=True)
class Finding:
    """One key finding: the sentence and the chapter (anchor) it links to."""

    text: str
    anchor: str


def _ci(row: pd.Series, language: str) -> str:
    interval = format_interval(row["ci_low"], row["ci_high"], 0, language)
    return f"95-%-KI: {interval}" if language == "de" else f"95% CI: {interval}"


def share_text(row: pd.Series, language: str) -> str:
    """"38 % (95-%-KI: 35–41 %)"; limited reliability in parentheses."""
    text = f"{format_percent(row['estimate'], 0, language)} ({_ci(row, language)})"
    return f"({text})" if row.get("flag") == "limited" else text


def _shown(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[~rows["flag"].fillna("").astype(str).str.startswith("suppressed")
                & rows["estimate"].notna()]


def _overall(rows: pd.DataFrame) -> pd.Series | None:
    overall = _shown(rows[rows["breakdown"] == ""])
    return overall.iloc[0] if len(overall) else None


def _extremes(rows: pd.DataFrame, breakdown: str) -> tuple[pd.Series, pd.Series] | None:
    part = _shown(rows[rows["breakdown"] == breakdown])
    if len(part) < 2:
        return None
    ordered = part.sort_values("estimate", kind="stable")
    return ordered.iloc[-1], ordered.iloc[0]


def key_findings(willing: pd.DataFrame | None, intent_label: str, groups: list[str],
                 ame: pd.DataFrame | None, priority: pd.DataFrame | None,
                 participation: pd.DataFrame | None, destinations: pd.DataFrame | None,
                 labels: Labels, language: str) -> list[Finding]:
    """Five to seven sentences: the overall share, the groups that differ most, the
    strongest model effects, the critical deficits, the wish to take part, destinations."""
    de = language == "de"
    findings: list[Finding] = []
    overall = _overall(willing) if willing is not None else None
    if overall is not None:
        base = format_count(overall["n"], language)
        findings.append(Finding(
            f"{share_text(overall, language)} der Befragten halten einen Wegzug für "
            f"wahrscheinlich (Basis: n = {base} Befragte, gewichtet)." if de else
            f"{share_text(overall, language)} of respondents think moving away likely "
            f"(base: n = {base} respondents, weighted).", "wanderungsbereitschaft"))
    for group in groups:
        if willing is None:
            break
        extremes = _extremes(willing, group)
        if extremes is None:
            continue
        high, low = extremes
        if not (high.get("mark") or low.get("mark")):
            continue  # no cell differs significantly: not a key finding
        name = labels.concept(group)
        findings.append(Finding(
            f"Nach {name}: am höchsten bei „{high['domain_label']}“ mit "
            f"{share_text(high, language)}, am niedrigsten bei „{low['domain_label']}“ mit "
            f"{share_text(low, language)}." if de else
            f"By {name}: highest among “{high['domain_label']}” at "
            f"{share_text(high, language)}, lowest among “{low['domain_label']}” at "
            f"{share_text(low, language)}.", "wanderungsbereitschaft"))
        if len(findings) >= 4:
            break
    if ame is not None and len(ame):
        significant = ame[(ame["ci_low"] > 0) | (ame["ci_high"] < 0)]
        strongest = significant.reindex(significant["ame"].abs().sort_values(
            ascending=False, kind="stable").index).head(2)
        parts = []
        for row in strongest.itertuples():
            effect = format_pp(row.ame / 100, 0, language)
            interval = (f"{format_pp(row.ci_low / 100, 0, language)} bis "
                        f"{format_pp(row.ci_high / 100, 0, language)}") if de else \
                (f"{format_pp(row.ci_low / 100, 0, language)} to "
                 f"{format_pp(row.ci_high / 100, 0, language)}")
            contrast = str(row.contrast)
            if " vs " in contrast:
                high_, low_ = contrast.split(" vs ", 1)
                contrast = (f"{labels.level(row.variable, high_)} statt "
                            f"{labels.level(row.variable, low_)}") if de else \
                    f"{labels.level(row.variable, high_)} rather than " \
                    f"{labels.level(row.variable, low_)}"
                what = f"{labels.concept(row.variable)} {contrast}"
            else:
                what = labels.concept(row.variable)
            parts.append(f"{what}: {effect} ({'95-%-KI' if de else '95% CI'}: {interval})")
        if parts:
            findings.append(Finding(
                "Bei sonst gleichen Merkmalen hängt die Wanderungsbereitschaft am stärksten "
                "zusammen mit " + "; ".join(parts) + "." if de else
                "Other characteristics held equal, willingness to move is most strongly "
                "associated with " + "; ".join(parts) + ".", "modelle"))
    if priority is not None and len(priority):
        critical = priority[priority["quadrant"] == "critical"]
        if len(critical):
            items = ", ".join(
                f"{row.item_label} ({format_percent(row.share_dissatisfied, 0, language)} "
                f"{'unzufrieden' if de else 'dissatisfied'})"
                for row in critical.sort_values("importance", ascending=False).itertuples())
            findings.append(Finding(
                f"Kritisch für das Bleiben – verbreitete Unzufriedenheit und ein deutlicher "
                f"Bezug zum Wegzug: {items}." if de else
                f"Critical for staying – widespread dissatisfaction and a clear link to "
                f"leaving: {items}.", "defizite"))
    if participation is not None:
        part = _shown(participation[(participation["breakdown"] != "")])
        if len(part) == 2:
            willing_row = part[part["domain"].astype(str) == "1"]
            other = part[part["domain"].astype(str) == "0"]
            if len(willing_row) and len(other):
                findings.append(Finding(
                    f"Mehr mitwirken möchten {share_text(willing_row.iloc[0], language)} der "
                    f"Wanderungsbereiten gegenüber {share_text(other.iloc[0], language)} der "
                    "übrigen Befragten." if de else
                    f"{share_text(willing_row.iloc[0], language)} of those willing to move want "
                    f"to take part more, against {share_text(other.iloc[0], language)} of the "
                    "others.", "mitwirkung"))
    if destinations is not None:
        overall_destinations = _shown(destinations[destinations["breakdown"] == ""])
        if len(overall_destinations):
            top = overall_destinations.sort_values("estimate", ascending=False).iloc[0]
            findings.append(Finding(
                f"Die meisten Wanderungsbereiten würden „{top['level_label']}“ ziehen: "
                f"{share_text(top, language)}." if de else
                f"Most of those willing to move would go “{top['level_label']}”: "
                f"{share_text(top, language)}.", "ziele"))
    return findings[:7]


def finite(value: object) -> bool:
    """Whether a table value is a usable number."""
    try:
        return bool(np.isfinite(float(value)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
