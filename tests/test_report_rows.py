"""The report's share-table blocks (`html_rows`), walked as plain records, equal what
selecting the rows with pandas gives (the way they were selected before, kept here as the
reference; both formatted by the same `_block`)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import pytest

from surveykit.publish.report import _block, html_rows


def _reference(rows: pd.DataFrame, language: str) -> list[dict[str, Any]]:
    """The rows of each block selected with pandas, formatted by the same `_block`."""
    blocks = []
    for (_indicator, breakdown), part in rows.groupby(["indicator", "breakdown"], sort=False):
        first = part.iloc[0]
        levels = list(dict.fromkeys(part["level_label"])) if first["kind"] in (
            "categorical", "ordinal") else [""]
        groups = []
        for _, domain in part.groupby("domain", sort=False):
            matches = [domain[domain["level_label"] == level] if level else domain
                       for level in levels]
            groups.append((domain.iloc[0], [next(match.itertuples(index=False))._asdict()
                                            for match in matches]))
        blocks.append(_block(first, breakdown, levels, groups, language))
    return blocks


def _table(seed: int) -> pd.DataFrame:
    """A published table: binary, numeric and categorical indicators, overall and by two
    breakdowns, with suppressed and limited cells, marks, missing n and a row without a
    domain (left out by both)."""
    rng = np.random.default_rng(seed)
    records = []
    indicators = [("willing", "binary", [""]), ("satisfaction", "numeric", [""]),
                  ("intent", "ordinal", ["sicher", "eher", "kaum", "nie"])]
    breakdowns = [("", "", ["Gesamt"]), ("age", "Alter", ["18–29", "30–49", "50+"]),
                  ("sex", "Geschlecht", ["Frau", "Mann"])]
    rng.shuffle(indicators)
    for (indicator, kind, levels), (breakdown, label, domains) in itertools.product(
            indicators, breakdowns):
        for domain, level in itertools.product(domains, levels):
            estimate = rng.uniform(0, 1) if kind != "numeric" else rng.uniform(0, 10)
            records.append({
                "indicator": indicator, "indicator_label": indicator.title(), "kind": kind,
                "breakdown": breakdown, "breakdown_label": label,
                "domain": f"{breakdown}={domain}",
                "domain_label": domain, "level_label": level,
                "estimate": estimate, "ci_low": estimate * 0.9, "ci_high": estimate * 1.1,
                "flag": rng.choice(["", "", "", "limited", "suppressed (n < 30)"]),
                "mark": rng.choice(["", "", "▲", "▼"]),
                "n": float(rng.integers(5, 3000)) if rng.random() > 0.1 else np.nan,
                "n_weighted": rng.uniform(5, 3000) if rng.random() > 0.1 else np.nan,
                "deff": rng.uniform(1, 2) if rng.random() > 0.1 else np.nan})
    for position in rng.choice(len(records), 3, replace=False):  # rows without a domain
        records.insert(int(position), {**records[int(position)], "domain": np.nan,
                                       "estimate": 0.5, "flag": ""})
    frame = pd.DataFrame(records)
    return frame.sample(frac=1.0, random_state=seed) if seed % 2 else frame


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("language", ["de", "en"])
def test_blocks_equal_the_pandas_selection(seed: int, language: str) -> None:
    rows = _table(seed)
    blocks = html_rows(rows, language)
    assert blocks == _reference(rows, language)
    assert len(blocks) == 9 and any(block["wide"] for block in blocks)
    shown = [cell for block in blocks for line in block["lines"] for cell in line["cells"]]
    assert any(cell["estimate"] == "/" for cell in shown)            # suppressed
    assert any(cell["estimate"].startswith("(") for cell in shown)   # limited
