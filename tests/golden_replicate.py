"""Replicate designs from the replicate weights R exported (tests/golden/data/repweights_*)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from golden_cases import GOLDEN_DIR

import surveykit as sk


def replicate_weights(spec: dict[str, Any]) -> pd.DataFrame:
    return pd.read_csv(GOLDEN_DIR / spec["weights_file"])


def to_replicate(design: sk.SurveyDesign, spec: dict[str, Any], data: pd.DataFrame
                 ) -> sk.ReplicateDesign:
    """The R replicate design of a golden case, from its exported analysis weights."""
    table = replicate_weights(spec)
    assert (table["row"].to_numpy() == np.arange(1, len(data) + 1)).all()
    np.testing.assert_allclose(table["pw"].to_numpy(), design.weights, rtol=1e-12)
    columns = [c for c in table.columns if c.startswith("rep")]
    assert len(columns) == spec["n_replicates"]
    return sk.ReplicateDesign.from_weights(
        data, table["pw"].to_numpy(), table[columns].to_numpy(), scale=spec["scale"],
        rscales=spec["rscales"], mse=spec["mse"], type=spec["type"])
