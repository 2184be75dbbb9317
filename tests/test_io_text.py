"""Text and numbers in input files: wrong encodings (mojibake), German and English number
formats, duplicated CSV headers (`surveykit.data.io.encoding`, `…delimited`, `…spss`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLE_SAV

from surveykit._core.errors import DataError
from surveykit.data.io.codebook import Codebook, Variable
from surveykit.data.io.delimited import read_csv
from surveykit.data.io.encoding import find_garbled, repaired
from surveykit.data.io.spss import read_spss, read_spss_metadata

BOOK = Codebook((Variable(name="id", label="", type="numeric", measure="scale"),
                 Variable(name="weight", label="", type="numeric", measure="scale"),
                 Variable(name="place", label="", type="string", measure="nominal")),
                source="book.yaml")


def _csv(tmp_path: Path, text: str, written_as: str = "utf-8") -> Path:
    path = tmp_path / "survey.csv"
    path.write_bytes(text.encode(written_as))
    return path


@pytest.mark.parametrize(("seen", "meant"), [
    ("GrÃ¶ÃŸenbach", "Größenbach"),            # UTF-8 read as Windows-1252
    ("GrÃ¶Ã\x9fenbach", "Größenbach"),         # … read as Latin-1
    ("Ã\x96ffentlicher Nahverkehr", "Öffentlicher Nahverkehr"),  # Latin-1, as SPSS
])
def test_utf8_read_as_a_windows_encoding_is_recognised_and_repaired(seen, meant) -> None:
    assert repaired(seen) == meant


@pytest.mark.parametrize("text", ["Größenbach", "Straße", "Ärzte", "naïve café", "plain",
                                  "€ 5", "Ã"])
def test_correct_text_is_not_taken_for_mojibake(text) -> None:
    assert repaired(text) is None


def test_find_garbled_names_where_and_shows_a_readable_stretch() -> None:
    long = "x" * 200 + " GrÃ¶ÃŸenbach " + "y" * 200
    garbled = find_garbled([("label of a", "fine"), ("label of b", long)])
    assert garbled is not None and garbled.where == "label of b"
    described = garbled.describe()
    assert "GrÃ¶ÃŸenbach" in described and "Größenbach" in described
    assert len(described) < 160


def test_a_utf8_csv_declared_cp1252_is_refused_naming_line_column_and_fix(tmp_path) -> None:
    path = _csv(tmp_path, "id;weight;place\n1;1,5;Au\n2;2,5;Größenbach\n")
    with pytest.raises(DataError, match=r"survey\.csv: line 3, column 'place': 'GrÃ¶ÃŸenbach' "
                       r"\(meant: 'Größenbach'\): the file is UTF-8 but source\.encoding says "
                       r"'cp1252'.*set source\.encoding: utf-8"):
        read_csv(path, BOOK, encoding="cp1252")


def test_a_cp1252_csv_declared_cp1252_reads_its_umlauts(tmp_path) -> None:
    path = _csv(tmp_path, "id;weight;place\n1;1,5;Au\n2;2,5;Größenbach\n", "cp1252")
    assert read_csv(path, BOOK, encoding="cp1252")["place"].tolist() == ["Au", "Größenbach"]


def test_a_sav_read_with_a_wrong_encoding_is_refused_blaming_the_encoding() -> None:
    with pytest.raises(DataError, match=r"text read as 'latin1' is garbled \(mojibake\).*"
                       r"remove source\.encoding"):
        read_spss_metadata(EXAMPLE_SAV, encoding="latin1")
    with pytest.raises(DataError, match=r"cannot be read as 'ascii' \(source\.encoding\), not "
                       r"because the file is damaged; the file declares UTF-8"):
        read_spss(EXAMPLE_SAV, encoding="ascii")


def test_a_sav_declared_in_its_own_encoding_reads_as_before() -> None:
    plain = read_spss_metadata(EXAMPLE_SAV)
    assert read_spss_metadata(EXAMPLE_SAV, encoding="utf-8").variables == plain.variables


@pytest.mark.parametrize(("weights", "decimal", "expected"), [
    (["1,5", "2,25"], None, [1.5, 2.25]),          # decimal commas alone: as before
    (["1.5", "2.25"], None, [1.5, 2.25]),          # decimal points alone
    (["2,5", "1.234"], ",", [2.5, 1234.0]),        # German: the point groups thousands
    (["2,5", "1.234.567,5"], ",", [2.5, 1234567.5]),
    (["2.5", "1,234.5"], ".", [2.5, 1234.5]),      # English: the comma groups thousands
])
def test_number_formats_read_correctly(tmp_path, weights, decimal, expected) -> None:
    path = _csv(tmp_path, "id;weight;place\n" + "".join(
        f"{i};{w};Au\n" for i, w in enumerate(weights, start=1)))
    assert read_csv(path, BOOK, decimal=decimal)["weight"].tolist() == expected


@pytest.mark.parametrize(("weights", "decimal", "message"), [
    (["2,5", "1.234"], None, r"variable 'weight' mixes number formats — data row 1 \(line 2\): "
     r"'2,5' has a comma, data row 2 \(line 3\): '1\.234' a point.*source\.decimal"),
    (["2,5", "1.5"], ",", r"variable 'weight', data row 2 \(line 3\): '1\.5' has a point, but "
     r"source\.decimal is ','"),
    (["2.5", "1,5"], ".", r"variable 'weight', data row 2 \(line 3\): '1,5' has a comma, but "
     r"source\.decimal is '\.'"),
])
def test_a_separator_that_does_not_fit_is_refused(tmp_path, weights, decimal, message) -> None:
    path = _csv(tmp_path, "id;weight;place\n" + "".join(
        f"{i};{w};Au\n" for i, w in enumerate(weights, start=1)))
    with pytest.raises(DataError, match=message):
        read_csv(path, BOOK, decimal=decimal)


def test_a_duplicated_header_is_refused_instead_of_dropping_a_column(tmp_path) -> None:
    path = _csv(tmp_path, "id;weight;place;weight\n1;1;Au;2\n")
    with pytest.raises(DataError, match=r"the header names the column 'weight' twice "
                       r"\(columns 2 and 4\), so one of them would be silently dropped"):
        read_csv(path, BOOK)
