"""Reading SPSS and CSV files: labels, user-missing codes, measurement levels, bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import EXAMPLE_CODEBOOK, EXAMPLE_CSV, EXAMPLE_SAV, sha256

from surveykit._core.errors import ConfigError, DataError
from surveykit.data.io import (
    Codebook,
    Variable,
    read_codebook,
    read_csv,
    read_spss,
    read_survey,
    write_codebook,
    write_csv,
    write_sav,
)


@pytest.fixture(scope="module")
def example() -> tuple[pd.DataFrame, Codebook]:
    return read_spss(EXAMPLE_SAV)


def test_spss_keeps_labels_missing_codes_and_measures(example) -> None:
    data, codebook = example
    intent = codebook["wegzug"]
    assert intent.label.startswith("Wie wahrscheinlich ist es, dass Sie in den nächsten zwei")
    assert intent.value_labels[1] == "sehr wahrscheinlich"
    assert intent.value_labels[9] == "keine Angabe"
    assert set(intent.missing_values) == {8, 9}
    assert intent.measure == "ordinal"
    assert codebook["alter"].measure == "scale"
    assert codebook["gemeinde"].value_labels[8] == "Wippertal"
    # 99 on wohndauer is a value label only, not a declared missing value.
    assert codebook["wohndauer"].value_labels[99] == "keine Angabe"
    assert 99 not in codebook["wohndauer"].missing_values
    # User-missing codes are read as codes, not as NaN.
    assert {8.0, 9.0} <= set(data["wegzug"].dropna().unique())
    mask = intent.user_missing_mask(data["wegzug"])
    assert mask.sum() == data["wegzug"].isin([8, 9]).sum() > 0


def test_csv_with_codebook_reads_the_same_data_as_spss(example) -> None:
    sav_data, sav_book = example
    csv_data, csv_book = read_survey(EXAMPLE_CSV)
    pd.testing.assert_frame_equal(csv_data, sav_data, check_dtype=True)
    assert csv_book.names == sav_book.names
    for name in sav_book.names:
        assert csv_book[name].value_labels == sav_book[name].value_labels, name
        assert csv_book[name].missing_values == sav_book[name].missing_values, name
        assert csv_book[name].label == sav_book[name].label, name
        assert csv_book[name].measure == sav_book[name].measure, name


def test_missing_ranges_and_zsav_round_trip(tmp_path: Path) -> None:
    data = pd.DataFrame({"q1": [1.0, 2.0, -9.0, -1.0, 7.0], "q2": [1.0, 1.0, 2.0, 99.0, np.nan]})
    codebook = Codebook((
        Variable("q1", "Frage 1", measure="ordinal", value_labels={1: "ja", 2: "nein"},
                 missing_values=(7,), missing_ranges=((-9, -1),)),
        Variable("q2", "Frage 2", measure="nominal", value_labels={1: "a", 2: "b", 99: "k.A."},
                 missing_values=(99,)),
    ), file_label="Test")
    for suffix in (".sav", ".zsav"):
        path = tmp_path / f"test{suffix}"
        write_sav(data, codebook, path)
        read, book = read_spss(path)
        pd.testing.assert_frame_equal(read, data)
        assert book["q1"].missing_values == (7,)
        assert book["q1"].missing_ranges == ((-9.0, -1.0),)
        assert book["q1"].user_missing_mask(read["q1"]).tolist() == [False, False, True, True,
                                                                       True]
        assert book["q2"].value_labels == {1: "a", 2: "b", 99: "k.A."}
        assert book.file_label == "Test"


def test_por_is_read_with_labels(tmp_path: Path) -> None:
    data = pd.DataFrame({"Q1": [1.0, 2.0, 3.0], "AGE": [30.0, 41.0, np.nan]})
    path = tmp_path / "old.por"
    pyreadstat.write_por(data, str(path), column_labels={"Q1": "Frage eins", "AGE": "Alter"})
    read, book = read_survey(path)
    assert book["Q1"].label == "Frage eins"
    np.testing.assert_array_equal(read["Q1"].to_numpy(), [1.0, 2.0, 3.0])
    assert np.isnan(read["AGE"].iloc[2])


def test_codebook_yaml_round_trip(tmp_path: Path, example) -> None:
    _, codebook = example
    path = tmp_path / "book.yaml"
    write_codebook(codebook, path)
    again = read_codebook(path)
    assert again.to_dict() == codebook.to_dict()


def test_real_spss_file_from_other_software(gss_path: Path) -> None:
    before = sha256(gss_path)
    data, codebook = read_spss(gss_path)
    assert len(codebook) == 22
    assert data.shape == (1473, 22)
    assert codebook["age"].label == "Age of respondent"
    assert codebook["sex"].value_labels == {1: "Male", 2: "Female"}
    assert codebook["age"].missing_values == (99,)
    assert codebook["marital"].missing_values == (9,)
    assert set(codebook["race"].missing_values) == {9, 3}
    declared = {code for v in codebook for code in v.missing_values}
    assert {9, 99} <= declared
    assert codebook["marital"].measure == "nominal"
    assert sha256(gss_path) == before


# ---------------------------------------------------------------- bad input


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nowhere\.sav: file not found"):
        read_survey(tmp_path / "nowhere.sav")
    with pytest.raises(DataError, match=r"nowhere\.csv: file not found"):
        read_csv(tmp_path / "nowhere.csv", read_codebook(EXAMPLE_CODEBOOK))


@pytest.mark.parametrize(("damage", "cause"), [
    ("truncate", r"probably truncated or corrupt"),
    ("garbage", r"does not start like a \.sav file; it is not an SPSS file"),
    ("empty", r"the file is empty \(0 bytes\)")])
def test_truncated_or_corrupt_sav(tmp_path: Path, damage: str, cause: str) -> None:
    raw = EXAMPLE_SAV.read_bytes()
    bad = tmp_path / "broken.sav"
    if damage == "truncate":
        bad.write_bytes(raw[: len(raw) // 3])
    elif damage == "garbage":
        bad.write_bytes(b"this is not an SPSS file at all\n" * 50)
    else:
        bad.write_bytes(b"")
    with pytest.raises(DataError, match=rf"broken\.sav: (cannot read this SPSS file.*)?{cause}"):
        read_spss(bad)


def test_a_sav_named_por_is_told_apart_from_a_corrupt_file(tmp_path: Path) -> None:
    renamed = tmp_path / "survey.por"
    renamed.write_bytes(EXAMPLE_SAV.read_bytes())
    with pytest.raises(DataError, match=r"survey\.por: .*an SPSS system file, not a portable "
                                        r"file: rename it to \.sav"):
        read_spss(renamed)


def test_csv_in_wrong_encoding_names_line_and_fix(tmp_path: Path) -> None:
    book = read_codebook(EXAMPLE_CODEBOOK)
    text = EXAMPLE_CSV.read_text(encoding="utf-8").splitlines()
    # A string column with an umlaut, written as cp1252 (as Excel on Windows does).
    codebook = Codebook((*book.variables, Variable("ort", "Ortsteil", type="string")))
    lines = [text[0] + ",ort"] + [line + ",Nord" for line in text[1:]]
    lines[5] = lines[5].removesuffix("Nord") + "Südharz"
    path = tmp_path / "export.csv"
    path.write_bytes("\n".join(lines).encode("cp1252"))
    with pytest.raises(DataError, match=r"export\.csv: line 6 is not valid utf-8.*encoding"):
        read_csv(path, codebook)
    data = read_csv(path, codebook, encoding="cp1252")
    assert data["ort"].iloc[4] == "Südharz"


def test_value_outside_codebook_names_row_and_value(tmp_path: Path) -> None:
    lines = EXAMPLE_CSV.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    column = header.index("geschlecht")
    fields = lines[10].split(",")
    fields[column] = "5"
    lines[10] = ",".join(fields)
    path = tmp_path / "example_survey.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copy(EXAMPLE_CODEBOOK, tmp_path / "example_survey.codebook.yaml")
    with pytest.raises(DataError) as caught:
        read_survey(path)
    message = str(caught.value)
    assert "'geschlecht'" in message and "data row 10" in message and "'5'" not in message
    assert "value 5 is not in the codebook" in message
    assert "1 (männlich), 2 (weiblich)" in message


def test_text_in_numeric_column(tmp_path: Path) -> None:
    lines = EXAMPLE_CSV.read_text(encoding="utf-8").splitlines()
    fields = lines[3].split(",")
    fields[2] = "vierzig"
    lines[3] = ",".join(fields)
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"'alter', data row 3 \(line 4\): 'vierzig' is not a n"):
        read_csv(path, read_codebook(EXAMPLE_CODEBOOK))


def test_csv_columns_must_match_codebook(tmp_path: Path) -> None:
    data, codebook = read_spss(EXAMPLE_SAV)
    path = tmp_path / "fewer.csv"
    write_csv(data.drop(columns=["kontakte"]), codebook.select(
        [n for n in codebook.names if n != "kontakte"]), path)
    with pytest.raises(DataError, match=r"described in the codebook but absent: kontakte"):
        read_csv(path, codebook)


def test_csv_without_codebook(tmp_path: Path) -> None:
    path = tmp_path / "lonely.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"lonely\.codebook\.yaml: codebook not found"):
        read_survey(path)


def test_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot tell the format.*'\.xlsx'"):
        read_survey(tmp_path / "data.xlsx")


@pytest.mark.parametrize("suffix", [".sav", ".zsav"])
def test_large_files_read_in_parts_give_the_same_data_and_codebook(tmp_path: Path, monkeypatch,
                                                                   suffix: str) -> None:
    """From `PARALLEL_ROWS` cases a system file may be read by several processes; the data
    (user-missing codes kept) and the codebook must be those of one process."""
    from surveykit.data.io import spss

    rng = np.random.default_rng(12)
    n = 3_001
    data = pd.DataFrame({"q1": rng.choice([1.0, 2.0, -9.0, 7.0], n),
                         "q2": rng.choice([1.0, 2.0, 99.0, np.nan], n),
                         "score": rng.normal(size=n).round(3)})
    codebook = Codebook((
        Variable("q1", "Frage 1", measure="ordinal", value_labels={1: "ja", 2: "nein"},
                 missing_values=(7,), missing_ranges=((-9, -1),)),
        Variable("q2", "Frage 2", measure="nominal", value_labels={1: "a", 2: "b", 99: "k.A."},
                 missing_values=(99,)),
        Variable("score", "Wert", measure="scale"),
    ), file_label="Test")
    path = tmp_path / f"large{suffix}"
    write_sav(data, codebook, path)
    one, one_book = read_spss(path)
    calls = []
    original = spss.pyreadstat.read_file_multiprocessing
    monkeypatch.setattr(spss.pyreadstat, "read_file_multiprocessing",
                        lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs))
    monkeypatch.setattr(spss, "PARALLEL_ROWS", 1_000)
    parts, parts_book = read_spss(path, processes=2)
    assert calls == [1]
    pd.testing.assert_frame_equal(parts, one)
    pd.testing.assert_frame_equal(parts, data)
    assert parts_book.to_dict() == one_book.to_dict()
    read_spss(path, processes=1)
    assert calls == [1]  # one process: no parts
