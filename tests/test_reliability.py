"""Cronbach's α written out (`surveykit._core.reliability`) against pingouin itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest

from surveykit._core.reliability import cronbach_alpha


def _items(rng: np.random.Generator, n: int, k: int, missing: float) -> pd.DataFrame:
    common = rng.normal(size=(n, 1)) * rng.uniform(0.2, 2.0)
    answers = np.clip(np.round(3 + common + rng.normal(size=(n, k))), 1, 5)
    items = pd.DataFrame(answers, columns=[f"item{j}" for j in range(k)])
    return items.mask(rng.random(items.shape) < missing)


@pytest.mark.parametrize("nan_policy", ["listwise", "pairwise"])
def test_alpha_and_interval_are_pingouins(nan_policy: str) -> None:
    rng = np.random.default_rng(20261201)
    compared = 0
    for _ in range(60):
        n, k = int(rng.integers(5, 3000)), int(rng.integers(2, 9))
        items = _items(rng, n, k, missing=float(rng.choice([0.0, 0.05, 0.3])))
        kept = items.dropna(how="any" if nan_policy == "listwise" else "all")
        if len(kept) < 2:
            continue
        for level in (0.95, 0.9):
            expected, interval = pingouin.cronbach_alpha(data=kept, nan_policy=nan_policy,
                                                         ci=level)
            alpha, (low, high) = cronbach_alpha(items, nan_policy=nan_policy, level=level)
            assert alpha == expected  # the same arithmetic, step by step
            assert [low, high] == list(interval)
            compared += 1
    assert compared > 100


def test_too_few_items_or_respondents_and_unknown_policy_are_refused() -> None:
    items = _items(np.random.default_rng(1), 50, 3, 0.0)
    with pytest.raises(ValueError, match="at least 2 items"):
        cronbach_alpha(items[["item0"]])
    with pytest.raises(ValueError, match="at least 2 items and 2 respondents"):
        cronbach_alpha(items.iloc[:1])
    with pytest.raises(ValueError, match="nan_policy"):
        cronbach_alpha(items, nan_policy="everything")
