"""The comparison across surveys and across a survey's areas, from the published tables.

Everything here starts from what each survey's estimate step published (the tidy share
CSVs, already suppressed): the comparison never sees microdata, and a cell hidden in a
survey's own report stays hidden here.

* Between surveys, an indicator's overall estimates stand side by side. A survey that did
  not collect the indicator shows "–" (never an imputed value). Estimates are tested only
  where the surveys measure the same thing: the same kind of indicator with the same
  levels. Differences in how the indicator was built (a share derived from a 4- or a
  5-point item, a scale from 6 or 4 items) are said in a note.
* Within a survey, its areas (``areas:`` in the survey config, e.g. its municipalities) are
  compared with the survey's own domain estimates, cell-versus-rest marks and Rao–Scott
  test, as published.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from surveykit.estimation.independent_surveys import contrast, versus_others
from surveykit.estimation.share_tables import MARK_HIGHER, MARK_LOWER, adjust_p_values
from surveykit.publish.labels import Labels

__all__ = ["AREA_COLUMNS", "COMPARISON_COLUMNS", "NOT_COLLECTED", "PublishedSurvey",
           "compare_areas", "compare_surveys"]

#: Shown where a survey did not collect an indicator.
NOT_COLLECTED = "–"
COMPARISON_COLUMNS = [
    "indicator", "indicator_label", "kind", "level", "level_label", "survey", "survey_label",
    "status", "estimate", "se", "ci_low", "ci_high", "n", "flag", "symbol", "versus",
    "difference", "difference_se", "df", "difference_ci_low", "difference_ci_high",
    "p_value", "p_adjusted", "mark", "note"]
AREA_COLUMNS = [
    "survey", "survey_label", "areas", "indicator", "indicator_label", "kind", "level",
    "level_label", "area", "area_label", "estimate", "se", "ci_low", "ci_high", "n",
    "difference", "p_adjusted", "mark", "flag", "symbol", "test", "test_p_value"]
_STATUS_TEXT = {
    "de": {"not_collected": "nicht erhoben", "not_tabulated": "nicht ausgewertet",
           "not_comparable": "nicht vergleichbar", "others": "Mittel der übrigen Befragungen",
           "scale_levels": "abgeleitet aus Antwortskalen mit {counts} Stufen",
           "scale_items": "gebildet aus {counts} Items",
           "levels_differ": "unterschiedliche Antwortkategorien"},
    "en": {"not_collected": "not collected", "not_tabulated": "not tabulated",
           "not_comparable": "not comparable", "others": "mean of the other surveys",
           "scale_levels": "derived from answer scales with {counts} points",
           "scale_items": "built from {counts} items",
           "levels_differ": "different answer categories"},
}


@dataclass(frozen=True)
class PublishedSurvey:
    """What the comparison reads of one survey: its published tables and metadata.

    Attributes
    ----------
    id, label : str
        Survey id and the name shown for it (its region).
    concepts : mapping
        ``concepts`` of the survey's ``harmonise/concepts.json``.
    tables : mapping of str to DataFrame
        Its published share tables (tidy rows) by table id, only tables without a
        population filter (their overall rows describe the whole survey population).
    tests : DataFrame
        Its published tests (``tests.csv``).
    df : float
        The design's degrees of freedom (from ``estimate/estimate.json``).
    areas : str or None
        The group whose levels are its areas.
    indicators : list of str
        Its configured indicators (the tables of the within-survey comparison).
    respondents : int
        Number of respondents (with a non-zero weight).
    """

    id: str
    label: str
    concepts: Mapping[str, Any]
    tables: Mapping[str, pd.DataFrame]
    tests: pd.DataFrame
    df: float
    areas: str | None = None
    indicators: list[str] = field(default_factory=list)
    respondents: int = 0


def _overall_rows(survey: PublishedSurvey, indicator: str) -> pd.DataFrame | None:
    """The indicator's overall rows, from its own table if it has one, else any table."""
    names = [indicator] + [name for name in survey.tables if name != indicator]
    for name in names:
        rows = survey.tables.get(name)
        if rows is None:
            continue
        found = rows[(rows["indicator"] == indicator) & (rows["breakdown"] == "")]
        if len(found):
            return found
    return None


def _signature(concepts: Mapping[str, Any], indicator: str) -> tuple[str, tuple[str, ...]]:
    info = concepts.get(indicator) or {}
    kind = str(info.get("type", "numeric"))
    levels = () if kind in ("binary", "scale", "numeric") else tuple(
        str(level) for level in info.get("levels") or ())
    return kind, levels


def _construction_note(surveys: Sequence[PublishedSurvey], indicator: str,
                       language: str) -> str:
    """Say how the indicator's construction differs between surveys (or nothing)."""
    text = _STATUS_TEXT[language]
    infos = [survey.concepts.get(indicator) or {} for survey in surveys]
    kind = infos[0].get("type") if infos else None
    if kind == "binary":
        sources = []
        for survey, info in zip(surveys, infos, strict=True):
            parent = survey.concepts.get(info.get("from") or "") or {}
            sources.append(len(parent.get("levels") or ()) or None)
        if all(sources) and len(set(sources)) > 1:
            return text["scale_levels"].format(counts=_counts(sources, language))
    if kind == "scale":
        items = [len(info.get("items") or ()) for info in infos]
        if len(set(items)) > 1:
            return text["scale_items"].format(counts=_counts(items, language))
    return ""


def _counts(values: Sequence[int | None], language: str) -> str:
    distinct = list(dict.fromkeys(values))
    joiner = " bzw. " if language == "de" else " or "
    return ", ".join(str(v) for v in distinct[:-1]) + joiner + str(distinct[-1])


def compare_surveys(surveys: Sequence[PublishedSurvey], indicators: Sequence[str],
                    language: str = "de", correction: str = "holm", alpha: float = 0.05,
                    level: float = 0.95) -> pd.DataFrame:
    """The indicators of several surveys side by side, with tests of their differences.

    Parameters
    ----------
    surveys : sequence of PublishedSurvey
        The surveys, in the order they are shown.
    indicators : sequence of str
        Concept names to compare.
    language : {"de", "en"}
        Language of labels and notes.
    correction : str, default "holm"
        Multiple-testing correction across the tests of one indicator (``holm``, ``bh``,
        ``none``).
    alpha, level : float
        Significance level of the marks; confidence level of the difference intervals.

    Returns
    -------
    DataFrame
        One row per indicator, level and survey (`COMPARISON_COLUMNS`). ``status`` is
        ``compared``, ``shown`` (estimate shown, no test: not comparable, or no other
        survey has it), ``suppressed``, ``not_collected`` or ``not_tabulated``. With two surveys
        both rows carry the one difference (seen from each side); with more, each survey
        is compared with the unweighted mean of the others.
    """
    text = _STATUS_TEXT[language]
    frames = []
    for indicator in indicators:
        found = {survey.id: _overall_rows(survey, indicator) for survey in surveys}
        having = [s for s in surveys if found[s.id] is not None]
        signatures = {_signature(s.concepts, indicator) for s in having}
        comparable = len(signatures) == 1
        testable = comparable and len(having) > 1
        note = _construction_note(having, indicator, language) if comparable else \
            text["levels_differ"]
        labels = Labels(having[0].concepts, language) if having else None
        rows = []
        for survey in surveys:
            published = found[survey.id]
            if published is None:
                status = "not_collected" if indicator not in survey.concepts else \
                    "not_tabulated"
                rows.append({"indicator": indicator, "survey": survey.id,
                             "survey_label": survey.label, "status": status,
                             "symbol": NOT_COLLECTED, "note": text[status], "level": "",
                             "level_label": ""})
                continue
            for record in published.to_dict("records"):
                hidden = str(record["flag"]).startswith("suppressed")
                rows.append({
                    "indicator": indicator, "kind": record["kind"], "level": record["level"],
                    "level_label": record["level_label"], "survey": survey.id,
                    "survey_label": survey.label,
                    "status": "suppressed" if hidden else ("compared" if testable
                                                           else "shown"),
                    **{key: record[key] for key in ("estimate", "se", "ci_low", "ci_high",
                                                    "n", "flag", "symbol")},
                    "note": "" if comparable else text["not_comparable"] + ": " + note})
        frame = pd.DataFrame(rows)
        published_label = next((str(rows_["indicator_label"].iloc[0])
                                for rows_ in found.values() if rows_ is not None), "")
        frame["indicator_label"] = published_label or (labels.concept(indicator) if labels
                                                       else indicator)
        if testable:
            frame = _add_tests(frame, surveys, correction, alpha, level, text["others"])
            if note:
                collected = frame["status"].isin(["compared", "suppressed"])
                frame.loc[collected, "note"] = note
        if not comparable:
            # Not-collected rows (level "") would not line up with any level: put them first.
            frame = frame.sort_values("level", key=lambda s: s != "", kind="stable")
        frames.append(frame)
    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    result = result.reindex(columns=COMPARISON_COLUMNS)
    text = ["indicator_label", "kind", "level", "level_label", "flag", "symbol", "versus",
            "mark", "note"]
    result[text] = result[text].astype(object).where(result[text].notna(), "")
    return result


def _add_tests(frame: pd.DataFrame, surveys: Sequence[PublishedSurvey], correction: str,
               alpha: float, level: float, others: str) -> pd.DataFrame:
    """Differences and t tests per level; p corrected across the indicator's tests."""
    frame = frame.copy()
    dfs = {survey.id: survey.df for survey in surveys}
    labels = {survey.id: survey.label for survey in surveys}
    for column in ("difference", "difference_se", "df", "difference_ci_low",
                   "difference_ci_high", "p_value"):
        frame[column] = np.nan
    frame["versus"] = ""
    frame["mark"] = ""
    tested = []  # (row indices, p) of the distinct tests
    for level_value in dict.fromkeys(frame.loc[frame["status"] == "compared", "level"]):
        part = frame[(frame["level"] == level_value) & (frame["status"] == "compared")
                     & frame["se"].notna()]
        if len(part) < 2:
            continue
        est, se = part["estimate"].to_numpy(float), part["se"].to_numpy(float)
        df = np.array([dfs[s] for s in part["survey"]], dtype=float)
        if len(part) == 2:
            forward = contrast(np.array([1.0, -1.0]), est, se, df, level)
            results = [forward, contrast(np.array([-1.0, 1.0]), est, se, df, level)]
            versus = [labels[part["survey"].iloc[1]], labels[part["survey"].iloc[0]]]
            tested.append((list(part.index), forward.p_value))
        else:
            results = versus_others(est, se, df, level)
            versus = [others] * len(part)
            tested += [([index], result.p_value) for index, result in zip(
                part.index, results, strict=True)]
        for index, result, against in zip(part.index, results, versus, strict=True):
            frame.loc[index, ["difference", "difference_se", "df", "difference_ci_low",
                              "difference_ci_high", "p_value"]] = [
                result.difference, result.se, result.df, result.ci_low, result.ci_high,
                result.p_value]
            frame.loc[index, "versus"] = against
    if tested:
        adjusted = adjust_p_values(np.array([p for _, p in tested]), correction)
        frame["p_adjusted"] = np.nan
        for (indices, _), p in zip(tested, adjusted, strict=True):
            frame.loc[indices, "p_adjusted"] = p
        significant = frame["p_adjusted"] < alpha
        frame.loc[significant & (frame["difference"] > 0), "mark"] = MARK_HIGHER
        frame.loc[significant & (frame["difference"] < 0), "mark"] = MARK_LOWER
    return frame


def compare_areas(survey: PublishedSurvey) -> pd.DataFrame:
    """A survey's areas side by side for each of its indicators, as published.

    Returns
    -------
    DataFrame
        `AREA_COLUMNS`: the overall row (``area`` empty) and one row per area and level,
        with the published estimate, interval, cell-versus-rest difference and mark,
        suppression flag and symbol, and the Rao–Scott (or Wald) test of equality across
        the areas (``test``, ``test_p_value``).
    """
    if not survey.areas:
        return pd.DataFrame(columns=AREA_COLUMNS)
    frames = []
    for indicator in survey.indicators:
        rows = survey.tables.get(indicator)
        if rows is None:
            continue
        part = rows[(rows["indicator"] == indicator)
                    & rows["breakdown"].isin(["", survey.areas])].copy()
        if not (part["breakdown"] == survey.areas).any():
            continue
        tests = survey.tests[(survey.tests["table"] == indicator)
                             & (survey.tests["indicator"] == indicator)
                             & (survey.tests["breakdown"] == survey.areas)]
        part["test"] = tests["method"].iloc[0] if len(tests) else ""
        part["test_p_value"] = tests["p_value"].iloc[0] if len(tests) else np.nan
        part["area"] = part["domain"]
        part["area_label"] = part["domain_label"]
        frames.append(part)
    if not frames:
        return pd.DataFrame(columns=AREA_COLUMNS)
    frame = pd.concat(frames, ignore_index=True)
    frame["survey"], frame["survey_label"], frame["areas"] = survey.id, survey.label, \
        survey.areas
    return frame.reindex(columns=AREA_COLUMNS)
