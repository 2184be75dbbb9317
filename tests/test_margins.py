"""Population margins files (config/margins/*.csv): reading, checking, raking the example."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import EXAMPLE_CONFIG, ROOT

import surveykit as sk
from surveykit.data.config import load_survey_config
from surveykit.data.harmonisation import harmonise
from surveykit.data.io import read_survey
from surveykit.weighting import diagnostics
from surveykit.weighting.margins import Margins, check_margins, read_margins

MARGINS_DIR = ROOT / "config" / "margins"
EXAMPLE_MARGINS = [MARGINS_DIR / f"example_{name}.csv"
                   for name in ("age_sex", "municipality", "qualification")]
MARGIN_VARIABLES = ["age_group", "sex", "municipality", "qualification"]


@pytest.fixture(scope="module")
def harmonised() -> pd.DataFrame:
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    data, codebook = read_survey(config.source_path)
    return harmonise(data, codebook, config).data


@pytest.fixture(scope="module")
def complete(harmonised) -> pd.DataFrame:
    """Respondents with every margin variable (qualification is missing for some).

    Weighting never drops anyone silently; the example drops them explicitly.
    """
    return harmonised.dropna(subset=MARGIN_VARIABLES).reset_index(drop=True)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_reading_the_example_margins() -> None:
    margins = read_margins(EXAMPLE_MARGINS)
    assert isinstance(margins, Margins)
    assert list(margins) == [("age_group", "sex"), "municipality", "qualification"]
    assert margins[("age_group", "sex")][("18-29", "male")] == 1632
    assert margins["municipality"]["Wippertal"] == 1000
    assert {sum(table.values()) for table in margins.values()} == {25000}
    assert margins.sources["qualification"].endswith("example_qualification.csv")
    single = read_margins(EXAMPLE_MARGINS[1])
    assert list(single) == ["municipality"]


def test_raking_the_example_survey_reproduces_all_three_margins(complete) -> None:
    margins = read_margins(EXAMPLE_MARGINS, data=complete)
    design = sk.SurveyDesign(complete, weights="design_weight", strata="design_stratum")
    raked = design.rake(margins)
    weights = pd.Series(raked.weights)
    joint = weights.groupby([complete["age_group"].astype(str).to_numpy(),
                             complete["sex"].astype(str).to_numpy()]).sum()
    for level, count in margins[("age_group", "sex")].items():
        assert joint[level] == pytest.approx(count, rel=1e-8)
    for variable in ("municipality", "qualification"):
        fitted = weights.groupby(complete[variable].astype(str).to_numpy()).sum()
        for level, count in margins[variable].items():
            assert fitted[level] == pytest.approx(count, rel=1e-8)
    shares = raked.mean("willing_to_move")
    assert np.isfinite(shares["se"]).all() and (shares["se"] > 0).all()
    info = diagnostics(raked, margins)
    assert info["n"] == len(complete)
    assert 1 < info["kish_deff"] < 3
    table = info["margins"]
    assert len(table) == 10 + 8 + 3
    np.testing.assert_allclose(table["after_total"], table["population"], rtol=1e-8)
    assert table.loc[table["variable"] == "age_group × sex", "level"].iloc[0] == "18-29 × male"


def test_raking_with_missing_margin_values_stops(harmonised) -> None:
    design = sk.SurveyDesign(harmonised, weights="design_weight")
    margins = read_margins(EXAMPLE_MARGINS)
    missing = int(harmonised["qualification"].isna().sum())
    with pytest.raises(sk.DataError, match=rf"'qualification' \(.*example_qualification.csv\) "
                                           rf"is missing for {missing} respondent"):
        design.rake(margins)
    with pytest.raises(sk.DataError, match=r"'qualification'.*missing.*drop these respondents"):
        check_margins(margins, harmonised)


def test_a_level_in_the_sample_but_not_in_the_margins(tmp_path, complete) -> None:
    text = (MARGINS_DIR / "example_municipality.csv").read_text(encoding="utf-8")
    path = _write(tmp_path / "municipality.csv",
                  "\n".join(line for line in text.splitlines() if "Lindenau" not in line))
    with pytest.raises(sk.ConfigError, match=r"'municipality' \(.*municipality.csv\) has no "
                                             r"population count for 'Lindenau'.*add the"):
        read_margins(path, data=complete)


def test_a_level_in_the_margins_but_not_in_the_sample(tmp_path, complete) -> None:
    text = (MARGINS_DIR / "example_qualification.csv").read_text(encoding="utf-8")
    path = _write(tmp_path / "qualification.csv",
                  text.replace("high,5355", "high,5000\ndoctorate,355"))
    with pytest.raises(sk.DataError, match=r"'qualification'.*'doctorate' have a population "
                                           r"count but no respondent.*merge"):
        read_margins(path, data=complete)


def test_totals_that_differ_between_files(tmp_path) -> None:
    text = (MARGINS_DIR / "example_municipality.csv").read_text(encoding="utf-8")
    path = _write(tmp_path / "municipality.csv", text.replace("Wippertal,1000",
                                                              "Wippertal,1100"))
    with pytest.raises(sk.ConfigError, match=r"example_age_sex.csv.*municipality.csv.*"
                                             r"different population totals \(25000 vs 25100"):
        read_margins([EXAMPLE_MARGINS[0], path])
    # A small rounding difference is tolerated when asked for.
    tiny = _write(tmp_path / "tiny.csv", text.replace("Wippertal,1000", "Wippertal,1000.01"))
    read_margins([EXAMPLE_MARGINS[0], tiny], rtol=1e-6)


def test_bad_design_weights(complete) -> None:
    margins = read_margins(EXAMPLE_MARGINS, data=complete)
    for bad in (0.0, -1.0, np.nan):
        weights = complete["design_weight"].copy()
        weights.iloc[3] = bad
        with pytest.raises(sk.DataError, match=r"design weight 'w' is .* in row 4.*positive"):
            check_margins(margins, complete.assign(w=weights), weights="w")


def test_a_margin_variable_missing_from_the_data(complete) -> None:
    margins = read_margins(EXAMPLE_MARGINS)
    with pytest.raises(sk.ConfigError, match=r"'qualification' \(.*\) is not a column.*"
                                             r"did you mean"):
        check_margins(margins, complete.rename(columns={"qualification": "qualifications"}))


@pytest.mark.parametrize(("content", "message"), [
    ("municipality,count\nA,1\n", r"needs one or more concept columns and one 'population'"),
    ("municipality,population\nA,-5\n", r"line 2: population '-5' is not a non-negative"),
    ("municipality,population\nA,many\n", r"line 2: population 'many'"),
    ("municipality,population\nA,1\nA,2\n", r"line 3: level 'A' is listed twice"),
    ("municipality,population\n,1\n", r"line 2: 'municipality' is empty"),
    ("municipality,population\n", r"has no rows"),
])
def test_malformed_margins_files(tmp_path, content, message) -> None:
    path = _write(tmp_path / "bad.csv", content)
    with pytest.raises(sk.ConfigError, match=message):
        read_margins(path)


def test_missing_file_and_duplicate_margins(tmp_path) -> None:
    with pytest.raises(sk.ConfigError, match=r"nowhere.csv does not exist"):
        read_margins(tmp_path / "nowhere.csv")
    copy = _write(tmp_path / "copy.csv", EXAMPLE_MARGINS[1].read_text(encoding="utf-8"))
    with pytest.raises(sk.ConfigError, match=r"both give the margin 'municipality'"):
        read_margins([EXAMPLE_MARGINS[1], copy])


def test_levels_follow_the_data_types(tmp_path) -> None:
    data = pd.DataFrame({"region": [1, 2, 2, 3], "w": [1.0, 1.0, 1.0, 1.0]})
    path = _write(tmp_path / "region.csv", "region,population\n1,10\n2,20\n3,30\n")
    margins = read_margins(path, data=data)
    assert margins == {"region": {1: 10.0, 2: 20.0, 3: 30.0}}
    raked = sk.SurveyDesign(data, weights="w").rake(margins)
    np.testing.assert_allclose(raked.weights, [10, 10, 10, 30])
