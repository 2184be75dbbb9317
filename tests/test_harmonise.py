"""Harmonisation: source variables → canonical concepts, as the config declares."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import EXAMPLE_CONFIG, ROOT, write_changed_config
from hypothesis import given
from hypothesis import strategies as st

from surveykit._core.errors import ConfigError, DataError
from surveykit.data.config import load_survey_config
from surveykit.data.harmonisation import _level_series, harmonise
from surveykit.data.ingestion import ingest
from surveykit.data.io import read_survey


@pytest.fixture(scope="module")
def config():
    return load_survey_config(EXAMPLE_CONFIG, root=ROOT)


@pytest.fixture(scope="module")
def raw(config):
    return read_survey(config.source_path)


@pytest.fixture(scope="module")
def result(raw, config):
    data, codebook = raw
    return harmonise(data, codebook, config)


def _config_with(tmp_path: Path, change) -> object:
    path = write_changed_config(EXAMPLE_CONFIG, tmp_path / "example.yaml", change)
    return load_survey_config(path, root=ROOT)


def test_spss_and_csv_give_the_same_harmonised_data(tmp_path: Path, result) -> None:
    csv_config = _config_with(tmp_path, lambda s: s["source"].update(
        path="data/raw/example_survey.csv"))
    data, codebook = read_survey(csv_config.source_path)
    from_csv = harmonise(data, codebook, csv_config)
    pd.testing.assert_frame_equal(from_csv.data, result.data)
    assert from_csv.concepts == result.concepts
    assert from_csv.report == result.report


def test_user_missing_codes_become_missing(raw, result) -> None:
    data, _ = raw
    declared_missing = data["wegzug"].isin([8, 9]).to_numpy()
    assert declared_missing.sum() > 0
    np.testing.assert_array_equal(result.data["intent"].isna().to_numpy(),
                                  declared_missing | data["wegzug"].isna().to_numpy())
    # Value-label-only code 99 is missing because the config says so.
    assert (data["wohndauer"] == 99).sum() > 0
    np.testing.assert_array_equal(result.data["years_of_residence"].isna().to_numpy(),
                                  (data["wohndauer"] == 99).to_numpy())


def test_intent_order_and_willing_to_move(raw, result) -> None:
    data, _ = raw
    intent = result.data["intent"]
    assert intent.cat.ordered
    assert list(intent.cat.categories) == ["very_unlikely", "rather_unlikely", "rather_likely",
                                           "very_likely"]
    valid = data["wegzug"].isin([1, 2, 3, 4]).to_numpy()
    np.testing.assert_array_equal(intent.cat.codes.to_numpy()[valid] + 1,
                                  5 - data["wegzug"].to_numpy()[valid])
    willing = result.data["willing_to_move"]
    assert str(willing.dtype) == "Int8"
    np.testing.assert_array_equal(willing.to_numpy(dtype=float, na_value=np.nan)[valid],
                                  data["wegzug"].isin([1, 2]).to_numpy(dtype=float)[valid])
    assert willing.isna().sum() == (~valid).sum()


def test_bins_and_binary_maps(raw, result) -> None:
    data, _ = raw
    age = data["alter"].to_numpy()
    groups = result.data["age_group"].astype(str).to_numpy()
    expected = np.select([age < 30, age < 45, age < 60, age < 75], ["18-29", "30-44", "45-59",
                                                                    "60-74"], "75+")
    np.testing.assert_array_equal(groups, expected)
    commuter = result.data["commuter"].to_numpy(dtype=float)
    np.testing.assert_array_equal(commuter, (data["pendler"] == 1).to_numpy(dtype=float))
    assert (data["pendler"] == 7).sum() > 0
    female = result.data["female"].to_numpy(dtype=float)
    np.testing.assert_array_equal(female, (data["geschlecht"] == 2).to_numpy(dtype=float))


def test_scale_is_reversed_mean_with_min_items_and_alpha(raw, result) -> None:
    data, _ = raw
    items = ["zuf_kultur", "zuf_freizeit", "zuf_sport", "zuf_gastro", "zuf_verein", "zuf_treff"]
    answers = data[items].where(data[items] != 9)
    reversed_answers = 6 - answers
    answered = reversed_answers.notna().sum(axis=1)
    expected = reversed_answers.mean(axis=1).where(answered >= 4)
    np.testing.assert_allclose(result.data["leisure_satisfaction"].to_numpy(),
                               expected.to_numpy(), rtol=0, atol=1e-12, equal_nan=True)
    # Cronbach's alpha by its textbook formula on complete cases.
    complete = reversed_answers.dropna().to_numpy()
    k = complete.shape[1]
    alpha = k / (k - 1) * (1 - complete.var(axis=0, ddof=1).sum()
                           / complete.sum(axis=1).var(ddof=1))
    reliability = result.report["concepts"]["leisure_satisfaction"]["reliability"]
    assert reliability["cronbach_alpha"] == pytest.approx(alpha, rel=1e-10)
    assert reliability["n_complete"] == len(complete)
    assert 0.7 < alpha < 0.9


def test_levels_from_labels_leave_out_missing_codes(result) -> None:
    school = result.data["school"]
    assert "keine Angabe" not in list(school.cat.categories)
    assert school.cat.categories[0] == "ohne Schulabschluss"
    assert list(result.data["municipality"].cat.categories)[-1] == "Wippertal"


def test_labels_and_design_columns(result) -> None:
    assert result.concepts["sex"]["level_labels"]["female"] == {"de": "weiblich",
                                                                "en": "female"}
    assert result.concepts["intent"]["label"]["de"].startswith("Wahrscheinlichkeit")
    assert result.design == {"weights": "design_weight", "strata": "design_stratum"}
    assert (result.data["design_weight"] > 0).all()
    assert "lfdnr" not in result.data.columns
    assert list(result.data.columns[:3]) == ["municipality", "sex", "female"]


def test_ingest_report_counts_missing_by_reason(config) -> None:
    report = ingest(config).report
    assert report["rows"] == 2377 and report["n_variables"] == 29
    wegzug = report["variables"]["wegzug"]
    assert wegzug["user_missing"] > 0 and wegzug["config_missing"] == 0
    reasons = {entry["code"]: entry["reason"] for entry in wegzug["missing_codes"]}
    assert set(reasons) == {"8 (weiß nicht)", "9 (keine Angabe)"}
    assert all("user-missing, declared in" in r for r in reasons.values())
    wohndauer = report["variables"]["wohndauer"]
    assert wohndauer["config_missing"] > 0 and wohndauer["user_missing"] == 0
    assert wohndauer["missing_codes"] == [{"code": "99", "reason":
                                           f"declared missing in {config.path}"}]
    pendelzeit = report["variables"]["pendelzeit"]
    assert pendelzeit["system_missing"] > 0
    assert pendelzeit["missing_share"] == pytest.approx(pendelzeit["system_missing"] / 2377,
                                                        abs=1e-6)


# ---------------------------------------------------------------- bad input


def test_variable_the_file_lacks_is_named_with_suggestion(tmp_path: Path, raw) -> None:
    config = _config_with(tmp_path, lambda s: s["concepts"]["sex"].update(source="geschlect"))
    data, codebook = raw
    with pytest.raises(ConfigError, match=r"concepts\.sex\.source names the variable "
                                          r"'geschlect'.*did you mean 'geschlecht'"):
        harmonise(data, codebook, config)
    with pytest.raises(ConfigError, match=r"did you mean 'geschlecht'"):
        ingest(config)


def test_unmapped_code_names_variable_value_and_row(tmp_path: Path, raw, config) -> None:
    data, codebook = raw
    changed = data.copy()
    changed.loc[41, "geschlecht"] = 3
    with pytest.raises(DataError, match=r"'geschlecht' has the value '3' in data row 42 "
                                        r"\(1 rows.*add it to concepts\.sex\.map"):
        harmonise(changed, codebook, config)
    lenient = _config_with(tmp_path, lambda s: s["concepts"]["sex"].update(unmapped="missing"))
    assert harmonise(changed, codebook, lenient).data["sex"].isna().sum() == 1


def test_out_of_range_value(tmp_path: Path, raw, config) -> None:
    data, codebook = raw
    changed = data.copy()
    changed.loc[7, "alter"] = 140
    with pytest.raises(DataError, match=r"'alter' has the value '140' in data row 8.*"
                                        r"valid_range is \[18, 110\]"):
        harmonise(changed, codebook, config)


@pytest.mark.parametrize(("value", "expected"), [(0.0, r"is 0 in data row 5; weights must be"),
                                                 (np.nan, r"is missing in data row 5")])
def test_bad_design_weights(raw, config, value, expected) -> None:
    data, codebook = raw
    changed = data.copy()
    changed.loc[4, "dgew"] = value
    with pytest.raises(DataError, match=rf"design variable 'dgew' \(weights\) {expected}"):
        harmonise(changed, codebook, config)


def test_duplicate_respondent_ids(raw, config) -> None:
    data, codebook = raw
    changed = data.copy()
    changed.loc[9, "lfdnr"] = changed.loc[2, "lfdnr"]
    with pytest.raises(DataError, match=r"same in data rows 3 and 10"):
        harmonise(changed, codebook, config)


def test_a_different_questionnaire_needs_only_a_config(tmp_path: Path, gss_path: Path) -> None:
    """The US GSS extract, harmonised by a hand-written config alone."""
    spec = {
        "id": "gss",
        "source": {"path": str(gss_path), "id_variable": "id"},
        "concepts": {
            "age": {"type": "numeric", "source": "age", "valid_range": [18, 99]},
            "age_group": {"type": "ordinal", "from": "age", "bins": {
                "breaks": [18, 30, 45, 60, 75, ".inf"],
                "labels": ["18-29", "30-44", "45-59", "60-74", "75+"]}},
            "sex": {"type": "categorical", "source": "sex", "map": {1: "male", 2: "female"}},
            "qualification": {"type": "ordinal", "source": "degree",
                              "map": {0: "low", 1: "medium", 2: "medium", 3: "high", 4: "high"},
                              "order": ["low", "medium", "high"]},
            "job_satisfaction": {"type": "numeric", "source": "satjob", "valid_range": [1, 4],
                                 "reverse": True},
            "satisfied": {"type": "binary", "from": "job_satisfaction",
                          "true_values": [3, 4]},
        },
    }
    path = tmp_path / "gss.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    config = load_survey_config(path, data_dirs=[str(gss_path.parent)])  # a data folder
    ingested = ingest(config)
    result = harmonise(ingested.data, ingested.codebook, config)
    raw = ingested.data
    assert result.data["age"].isna().sum() == (raw["age"] == 99).sum() == 6
    np.testing.assert_array_equal(result.data["job_satisfaction"].dropna().to_numpy(),
                                  5 - raw["satjob"][raw["satjob"] != 9].dropna().to_numpy())
    assert result.report["concepts"]["qualification"]["level_counts"] == {
        "low": int((raw["degree"] == 0).sum()),
        "medium": int(raw["degree"].isin([1, 2]).sum()),
        "high": int(raw["degree"].isin([3, 4]).sum())}
    assert ingested.report["variables"]["race"]["user_missing"] == \
        int(raw["race"].isin([3, 9]).sum())


@given(levels=st.lists(st.one_of(st.sampled_from(["a", "b", "c"]), st.none()), min_size=1,
                       max_size=6),
       picks=st.lists(st.integers(-1, 5), min_size=1, max_size=40))
def test_level_series_is_the_factorised_rows(levels: list, picks: list[int]) -> None:
    """Levels given per distinct value (equal levels of different values, missing ones)
    give the same categorical as factorising every row's level."""
    positions = np.array([p if p < len(levels) else -1 for p in picks], dtype=np.int64)
    rows = [None if p == -1 else levels[p] for p in positions]
    series = _level_series(positions, levels, pd.RangeIndex(len(rows)))
    codes, uniques = pd.factorize(pd.Series(rows, dtype=object), use_na_sentinel=True)
    assert [None if pd.isna(v) else v for v in series] == rows
    assert set(series.cat.categories) == {level for level in levels if level is not None}
    assert set(uniques) <= set(series.cat.categories)
    assert np.array_equal(series.isna().to_numpy(), codes == -1)
