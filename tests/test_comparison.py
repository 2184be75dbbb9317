"""The comparison across surveys: the difference test against hand computations, and what the
comparison shows where surveys differ ("–" not collected, not comparable, suppressed)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from surveykit import ArgumentError
from surveykit.estimation.independent_surveys import contrast, versus_others
from surveykit.estimation.share_tables import adjust_p_values
from surveykit.publish.comparison import (
    COMPARISON_COLUMNS,
    PublishedSurvey,
    compare_areas,
    compare_surveys,
)

# ---------------------------------------------------------------- the test itself


def test_difference_of_two_surveys_matches_a_hand_computation() -> None:
    # Two published shares: 36.9 % (se 1.08, design df 2369) and 22.5 % (se 1.51, df 892).
    a, se_a, df_a = 0.369372, 0.010779, 2369.0
    b, se_b, df_b = 0.225003, 0.015079, 892.0
    result = contrast(np.array([1.0, -1.0]), np.array([a, b]), np.array([se_a, se_b]),
                      np.array([df_a, df_b]))
    se = math.sqrt(se_a**2 + se_b**2)
    df = (se_a**2 + se_b**2) ** 2 / (se_a**4 / df_a + se_b**4 / df_b)
    t = (a - b) / se
    assert result.difference == pytest.approx(0.144369, rel=1e-12)
    assert result.se == pytest.approx(se, rel=1e-12)
    assert result.df == pytest.approx(df, rel=1e-12)
    assert result.statistic == pytest.approx(t, rel=1e-12)
    assert result.p_value == pytest.approx(2 * stats.t.sf(t, df), rel=1e-9)
    quantile = stats.t.ppf(0.975, df)
    assert (result.ci_low, result.ci_high) == pytest.approx(
        (a - b - quantile * se, a - b + quantile * se), rel=1e-12)


def test_with_infinite_df_the_test_is_the_normal_test() -> None:
    # z = 1.959963984540054 is the 97.5 % normal quantile: p = 0.05 exactly.
    result = contrast(np.array([1.0, -1.0]), np.array([0.5 + 1.959963984540054 * 0.05, 0.5]),
                      np.array([0.03, 0.04]), np.array([np.inf, np.inf]))
    assert math.isinf(result.df)
    assert result.p_value == pytest.approx(0.05, rel=1e-9)
    assert result.p_value == pytest.approx(math.erfc(1.959963984540054 / math.sqrt(2)),
                                           rel=1e-12)


def test_each_survey_against_the_mean_of_the_others() -> None:
    est = np.array([0.40, 0.30, 0.20])
    se = np.array([0.02, 0.03, 0.04])
    df = np.array([100.0, 200.0, 300.0])
    results = versus_others(est, se, df)
    # survey 1: 0.40 − (0.30 + 0.20) / 2, variance 0.02² + (0.03² + 0.04²) / 4
    assert results[0].difference == pytest.approx(0.15, rel=1e-12)
    variance = 0.02**2 + (0.03**2 + 0.04**2) / 4
    assert results[0].se == pytest.approx(math.sqrt(variance), rel=1e-12)
    parts = np.array([0.02**2, 0.03**2 / 4, 0.04**2 / 4])
    assert results[0].df == pytest.approx(variance**2 / np.sum(parts**2 / df), rel=1e-12)
    assert results[2].difference == pytest.approx(0.20 - 0.35, rel=1e-12)
    # With two surveys each is compared with the other: mirrored, the same p.
    two = versus_others(est[:2], se[:2], df[:2])
    assert two[0].difference == -two[1].difference
    assert two[0].p_value == pytest.approx(two[1].p_value, rel=1e-12)


@pytest.mark.parametrize("bad", [
    dict(coefficients=[1.0], estimates=[0.1, 0.2], ses=[0.1, 0.1], dfs=[10, 10]),
    dict(coefficients=[1.0, -1.0], estimates=[0.1, np.nan], ses=[0.1, 0.1], dfs=[10, 10]),
    dict(coefficients=[1.0, -1.0], estimates=[0.1, 0.2], ses=[0.1, -0.1], dfs=[10, 10]),
    dict(coefficients=[1.0, -1.0], estimates=[0.1, 0.2], ses=[0.1, 0.1], dfs=[0, 10]),
])
def test_misuse_is_refused(bad) -> None:
    with pytest.raises(ArgumentError):
        contrast(*(np.asarray(bad[k], dtype=float)
                   for k in ("coefficients", "estimates", "ses", "dfs")))


# ---------------------------------------------------------------- published tables


def _rows(indicator: str, kind: str, cells: list[tuple], breakdown: str = "") -> pd.DataFrame:
    """Published rows: cells are (domain, level, estimate, se, n, flag)."""
    records = []
    for domain, level, estimate, se, n, flag in cells:
        hidden = flag.startswith("suppressed")
        records.append({
            "table": indicator, "indicator": indicator, "indicator_label": indicator.title(),
            "kind": kind, "breakdown": breakdown if domain else "",
            "breakdown_label": breakdown, "domain": domain, "domain_label": domain,
            "level": level, "level_label": f"L{level}",
            "estimate": np.nan if hidden else estimate, "se": np.nan if hidden else se,
            "ci_low": np.nan if hidden else estimate - 0.05,
            "ci_high": np.nan if hidden else estimate + 0.05,
            "n": np.nan if hidden else n, "flag": flag, "symbol": "/" if hidden else "",
            "difference": np.nan, "p_adjusted": np.nan, "mark": ""})
    return pd.DataFrame(records)


def _survey(survey_id: str, concepts: dict, tables: dict, df: float = 500.0,
            areas: str | None = None, tests: pd.DataFrame | None = None) -> PublishedSurvey:
    return PublishedSurvey(
        id=survey_id, label=f"Region {survey_id}", concepts=concepts, tables=tables,
        tests=tests if tests is not None else pd.DataFrame(
            columns=["table", "indicator", "breakdown", "method", "statistic", "ndf", "ddf",
                     "p_value"]),
        df=df, areas=areas, indicators=list(tables))


BINARY = {"type": "binary", "from": "intent"}


def test_two_surveys_are_tested_with_the_published_numbers() -> None:
    a = _survey("a", {"willing": BINARY, "intent": {"type": "ordinal", "levels": [1, 2, 3, 4]}},
                {"willing": _rows("willing", "binary", [("", "1", 0.37, 0.011, 2215, "")])},
                df=2369)
    b = _survey("b", {"willing": BINARY,
                      "intent": {"type": "ordinal", "levels": [1, 2, 3, 4, 5]}},
                {"willing": _rows("willing", "binary", [("", "1", 0.225, 0.015, 820, "")])},
                df=892)
    frame = compare_surveys([a, b], ["willing"])
    assert list(frame.columns) == COMPARISON_COLUMNS
    assert list(frame["status"]) == ["compared", "compared"]
    hand = contrast(np.array([1.0, -1.0]), np.array([0.37, 0.225]), np.array([0.011, 0.015]),
                    np.array([2369.0, 892.0]))
    assert frame["difference"].tolist() == pytest.approx([hand.difference, -hand.difference])
    # one test for two surveys: nothing to correct
    assert frame["p_adjusted"].tolist() == pytest.approx([hand.p_value] * 2)
    assert frame["mark"].tolist() == ["▲", "▼"]
    assert frame["versus"].tolist() == ["Region b", "Region a"]
    # how the share was built differs: said, not hidden
    assert set(frame["note"]) == {"abgeleitet aus Antwortskalen mit 4 bzw. 5 Stufen"}


def test_an_indicator_a_survey_lacks_is_shown_as_not_collected_never_imputed() -> None:
    scale = {"type": "scale", "items": ["x1", "x2"]}
    a = _survey("a", {"sat": scale}, {"sat": _rows("sat", "scale", [("", "", 3.1, 0.02, 900,
                                                                         "")])})
    b = _survey("b", {}, {})
    c = _survey("c", {"sat": scale}, {"sat": _rows("sat", "scale", [("", "", 2.9, 0.03, 700,
                                                                         "")])})
    frame = compare_surveys([a, b, c], ["sat"], language="en")
    lacking = frame[frame["survey"] == "b"].iloc[0]
    assert lacking["status"] == "not_collected" and lacking["symbol"] == "–"
    assert np.isnan(lacking["estimate"]) and lacking["note"] == "not collected"
    # the two that have it are compared with each other (b does not count as a third)
    compared = frame[frame["status"] == "compared"]
    assert compared["difference"].tolist() == pytest.approx([0.2, -0.2])


def test_different_answer_categories_are_shown_but_not_tested() -> None:
    a = _survey("a", {"intent": {"type": "ordinal", "levels": ["u", "l"]}},
                {"intent": _rows("intent", "ordinal", [("", "u", 0.6, 0.02, 900, ""),
                                                       ("", "l", 0.4, 0.02, 900, "")])})
    b = _survey("b", {"intent": {"type": "ordinal", "levels": ["no", "maybe", "yes"]}},
                {"intent": _rows("intent", "ordinal", [("", "no", 0.5, 0.02, 800, ""),
                                                       ("", "maybe", 0.3, 0.02, 800, ""),
                                                       ("", "yes", 0.2, 0.02, 800, "")])})
    frame = compare_surveys([a, b], ["intent"])
    assert set(frame["status"]) == {"shown"}
    assert frame["p_value"].isna().all() and (frame["mark"] == "").all()
    assert frame["note"].str.startswith("nicht vergleichbar").all()


def test_a_suppressed_cell_stays_suppressed_and_is_not_tested() -> None:
    levels = {"type": "ordinal", "levels": ["x", "y", "z"]}
    a = _survey("a", {"q": levels}, {"q": _rows("q", "ordinal", [
        ("", "x", 0.5, 0.02, 900, ""), ("", "y", 0.3, 0.02, 900, ""),
        ("", "z", 0.2, 0.02, 900, "")])})
    b = _survey("b", {"q": levels}, {"q": _rows("q", "ordinal", [
        ("", "x", 0.4, 0.03, 600, ""), ("", "y", 0.35, 0.03, 600, ""),
        ("", "z", np.nan, np.nan, 12, "suppressed (n < 30)")])})
    frame = compare_surveys([a, b], ["q"])
    hidden = frame[(frame["survey"] == "b") & (frame["level"] == "z")].iloc[0]
    assert hidden["status"] == "suppressed" and hidden["symbol"] == "/"
    assert np.isnan(hidden["estimate"]) and np.isnan(hidden["n"])
    assert frame.loc[frame["level"] == "z", "p_value"].isna().all()
    # Holm over the indicator's two remaining tests (levels x and y)
    p = [contrast(np.array([1.0, -1.0]), np.array(e), np.array(s), np.array([500.0, 500.0]))
         .p_value for e, s in (([0.5, 0.4], [0.02, 0.03]), ([0.3, 0.35], [0.02, 0.03]))]
    adjusted = adjust_p_values(np.array(p), "holm")
    tested = frame[frame["survey"] == "a"].set_index("level")
    assert tested.loc[["x", "y"], "p_adjusted"].tolist() == pytest.approx(list(adjusted))


def test_areas_are_compared_with_the_published_domain_estimates_and_test() -> None:
    rows = _rows("willing", "binary", [
        ("", "1", 0.37, 0.011, 2215, ""),
        ("North", "1", 0.42, 0.03, 300, ""), ("South", "1", 0.33, 0.03, 280, ""),
        ("Tiny", "1", np.nan, np.nan, 9, "suppressed (n < 30)")], breakdown="area")
    rows = pd.concat([rows, _rows("willing", "binary", [("female", "1", 0.4, 0.02, 900, "")],
                                  breakdown="sex")])
    tests = pd.DataFrame([{"table": "willing", "indicator": "willing", "breakdown": "area",
                           "method": "Rao-Scott F (second-order)", "statistic": 4.2,
                           "ndf": 1.9, "ddf": 4000.0, "p_value": 0.016}])
    survey = _survey("a", {"willing": BINARY}, {"willing": rows}, areas="area", tests=tests)
    frame = compare_areas(survey)
    assert frame["area"].tolist() == ["", "North", "South", "Tiny"]  # no other breakdown
    assert frame["test_p_value"].tolist() == [0.016] * 4
    tiny = frame[frame["area"] == "Tiny"].iloc[0]
    assert tiny["symbol"] == "/" and np.isnan(tiny["estimate"])
    assert compare_areas(_survey("b", {"willing": BINARY}, {"willing": rows})).empty


def test_the_comparison_outputs_in_english(tmp_path) -> None:
    """Workbook, figures and report from published rows: English words and numbers, "–"
    for the survey without the indicator, the difference in percentage points."""
    from conftest import EXAMPLE_CONFIG, ROOT
    from openpyxl import load_workbook

    from surveykit.data.config import load_survey_config
    from surveykit.publish.comparison_output import write_comparison

    rows = _rows("willing", "binary", [("", "1", 0.37, 0.011, 2215, ""),
                                       ("North", "1", 0.42, 0.03, 300, ""),
                                       ("South", "1", 0.33, 0.03, 280, "")], breakdown="area")
    a = _survey("a", {"willing": BINARY}, {"willing": rows}, areas="area")
    b = _survey("b", {"willing": BINARY}, {"willing": _rows(
        "willing", "binary", [("", "1", 0.225, 0.015, 820, "")])})
    c = _survey("c", {}, {})
    surveys = [a, b, c]
    between = compare_surveys(surveys, ["willing"], language="en")
    areas = compare_areas(a)
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT, check_levels=False)
    write_comparison(tmp_path, surveys, [config] * 3, between, areas, {"threads": 1}, "en")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Surveys compared" in html
    assert "Willing: 37.0% in Region a against 22.5% in Region b (difference +14.5 pp" in html
    assert "not collected" in html and "the differences are" not in html  # no test, no claim
    assert sorted(p.name for p in (tmp_path / "figures").glob("*.png")) == [
        "areas_a.png", "compare_willing.png"]
    sheet = load_workbook(tmp_path / "comparison.xlsx")["Surveys"]
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    lines = {row[0]: row for row in values if row[0] and str(row[0]).startswith("Region")}
    assert lines["Region a"][1] == pytest.approx(37.0) and lines["Region a"][8] == "▲"
    assert lines["Region c"][1] == "–" and lines["Region c"][6] == "not collected"
