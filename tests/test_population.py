"""Official population series: the index, the sentence computed from it, and clear errors
for bad series (gaps, duplicate years, a missing base year, areas that don't match the
levels)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

import surveykit as sk
from surveykit.data.population import read_population_series
from surveykit.publish.trend import trend_sentence

SERIES = ROOT / "config" / "population" / "example_population.csv"


def _write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "population.csv"
    path.write_text("year,area,level,population,source,note\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    return path


def _rows(years=range(2015, 2019), town=(1000, 990, 970, 960), state=(9000, 8990, 8980,
                                                                      8970)) -> list[str]:
    return ([f"{y},Town,municipality,{v},Amt," for y, v in zip(years, town, strict=True)]
            + [f"{y},Land,state,{v},Amt," for y, v in zip(years, state, strict=True)])


def test_index_and_sentence_are_computed_from_the_series(tmp_path: Path) -> None:
    series = read_population_series(_write(tmp_path, _rows()), 2015)
    index = series.index()
    assert index.loc[2015].tolist() == [100.0, 100.0]
    assert index.loc[2018, "municipality"] == pytest.approx(96.0)
    assert trend_sentence(series, "de") == ("2015–2018: −4,0 % in Town gegenüber −0,3 % im "
                                            "Land.")
    assert trend_sentence(series, "en").startswith("2015–2018: −4.0% in Town against −0.3%")


def test_the_example_series_loads() -> None:
    series = read_population_series(SERIES, 2015)
    assert set(series.table.columns) == {"municipality", "district", "state"}
    assert series.change(2015, 2024)["municipality"] < series.change(2015, 2024)["state"] < 0


@pytest.mark.parametrize(("change", "message"), [
    (lambda rows: [r for r in rows if not r.startswith("2016,Town")],
     r"'Town' has no row for 2016 \(a gap"),
    (lambda rows: [*rows, "2017,Town,municipality,970,Amt,"],
     r"lines \d+ and \d+: 'Town' has the year 2017 twice"),
    (lambda rows: [r.replace("Land,state", "Land,county") for r in rows],
     r"level 'county' is not one of municipality, district, state"),
    (lambda rows: [*rows, "2015,Other,state,5,Amt,"],
     r"level 'state' has 2 areas"),
    (lambda rows: [r.replace(",960,", ",9.60.0,") for r in rows],
     r"population '9\.60\.0' is not a positive number"),
    (lambda rows: [r for r in rows if not r.startswith("2018,Land")],
     r"'Land' covers 2015–2017 but 'Town' covers 2015–2018"),
])
def test_bad_series_are_refused_with_the_line_and_the_fix(tmp_path: Path, change,
                                                         message: str) -> None:
    with pytest.raises(sk.ConfigError, match=message):
        read_population_series(_write(tmp_path, change(_rows())), 2015)


def test_a_missing_base_year_or_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(sk.ConfigError, match=r"base year 2010 .* not in the series "
                                              r"\(2015–2018\)"):
        read_population_series(_write(tmp_path, _rows()), 2010)
    path = tmp_path / "short.csv"
    path.write_text("year,area,population\n2015,Town,1000\n", encoding="utf-8")
    with pytest.raises(sk.ConfigError, match="missing: level, source"):
        read_population_series(path, 2015)
