"""The vectorised logistic function and its inverse against scipy's."""

from __future__ import annotations

import numpy as np
from scipy import special

from surveykit.models.links import expit, logit


def test_expit_agrees_with_scipy_over_the_whole_range() -> None:
    rng = np.random.default_rng(3)
    eta = np.concatenate([rng.normal(0, 3, 100_000), rng.uniform(-800, 800, 10_000),
                          [0.0, -745.2, -746.0, 36.0, 38.0, 710.0, -710.0, np.inf, -np.inf]])
    ours, reference = expit(eta), special.expit(eta)
    np.testing.assert_allclose(ours, reference, rtol=4e-16, atol=0)
    assert ours[-2] == 1.0 and ours[-1] == 0.0
    assert np.all((ours >= 0) & (ours <= 1))


def test_logit_agrees_with_scipy_and_inverts_expit() -> None:
    rng = np.random.default_rng(4)
    mu = np.concatenate([rng.uniform(0, 1, 100_000), [1e-300, 0.5, 1 - 1e-16, 0.0, 1.0]])
    ours = logit(mu)
    np.testing.assert_allclose(ours[:-2], special.logit(mu[:-2]), rtol=1e-12, atol=1e-15)
    assert ours[-2] == -np.inf and ours[-1] == np.inf
    eta = rng.normal(0, 4, 10_000)
    np.testing.assert_allclose(logit(expit(eta)), eta, rtol=1e-9, atol=1e-12)
