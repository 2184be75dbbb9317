"""Disclosure control: "/" below min_cell_n, "( )" below reliability_n, secondary
suppression so a hidden cell cannot be derived, and nothing of a hidden cell published."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.estimation.share_tables import share_table
from surveykit.publish.disclosure import disclosure_flags
from surveykit.publish.labels import Labels
from surveykit.publish.tables import HIDDEN, footnotes, publish_rows


def _cells(ns: dict[tuple, int], by: list[str]) -> pd.DataFrame:
    rows = [{**dict(zip(by, key, strict=True)), "level": 1, "n": n} for key, n in ns.items()]
    return pd.DataFrame(rows)


def test_one_way_a_lone_small_cell_takes_its_smallest_neighbour_along() -> None:
    cells = _cells({("a",): 12, ("b",): 45, ("c",): 300, ("d",): 80}, ["g"])
    flags = disclosure_flags(cells, ["g"], min_cell_n=30, reliability_n=50)
    assert list(flags) == ["suppressed", "suppressed_secondary", "", ""]


def test_two_small_cells_protect_each_other() -> None:
    cells = _cells({("a",): 12, ("b",): 20, ("c",): 300}, ["g"])
    flags = disclosure_flags(cells, ["g"], 30, 50)
    assert list(flags) == ["suppressed", "suppressed", ""]


def test_an_empty_domain_needs_no_protection() -> None:
    cells = _cells({("a",): 0, ("b",): 45, ("c",): 300}, ["g"])
    assert list(disclosure_flags(cells, ["g"], 30, 50)) == ["suppressed", "limited", ""]


def test_two_way_every_row_and_column_has_none_or_at_least_two_hidden() -> None:
    ns = {("young", 0): 80, ("young", 1): 66, ("mid", 0): 178, ("mid", 1): 158,
          ("old", 0): 470, ("old", 1): 15}
    cells = _cells(ns, ["age", "commuter"])
    flags = disclosure_flags(cells, ["age", "commuter"], 30, 50)
    hidden = cells.assign(hidden=flags.str.startswith("suppressed"))
    for by in ("age", "commuter"):
        counts = hidden.groupby(by)["hidden"].sum()
        assert ((counts == 0) | (counts >= 2)).all(), by
    assert flags.iloc[5] == "suppressed" and (flags == "suppressed_secondary").sum() >= 1


def test_a_small_group_is_published_as_slash_and_a_thin_one_in_parentheses() -> None:
    rng = np.random.default_rng(5)
    sizes = {"big": 400, "thin": 40, "tiny": 12, "other": 300}
    groups = np.repeat(list(sizes), list(sizes.values()))
    frame = pd.DataFrame({"group": pd.Categorical(groups, categories=list(sizes)),
                          "y": rng.integers(0, 2, len(groups)).astype(float),
                          "w": rng.uniform(1, 3, len(groups))})
    design = sk.SurveyDesign(frame, weights="w")
    share = share_table(design, "y", "binary", by="group")
    concepts = {"y": {"type": "binary", "label": {"de": "Ja-Anteil"}},
                "group": {"type": "categorical", "label": {"de": "Gruppe"}}}
    rows, _ = publish_rows("t", share, Labels(concepts, "de"), 30, 50)
    by_domain = rows.set_index("domain")
    assert by_domain.loc["tiny", "symbol"] == "/"
    assert by_domain.loc["tiny", HIDDEN].isna().all()      # no estimate, CI or n
    assert by_domain.loc["tiny", "mark"] == ""
    # the smallest other cell is hidden too, so "tiny" cannot be derived from the total
    assert by_domain.loc["thin", "flag"] == "suppressed_secondary"
    assert by_domain.loc["big", "flag"] == "" and by_domain.loc["big", "n"] == 400
    notes = footnotes(rows, "holm", 0.05, 30, 50, "de")
    assert any(note.startswith("/ Zahlenwert nicht sicher genug") for note in notes)


@pytest.mark.parametrize("reliability_n", [50, 60])
def test_parentheses_between_the_two_thresholds(reliability_n: int) -> None:
    cells = _cells({("a",): 45, ("b",): 55, ("c",): 300}, ["g"])
    flags = disclosure_flags(cells, ["g"], 30, reliability_n)
    assert list(flags) == ["limited", "limited" if reliability_n > 55 else "", ""]
