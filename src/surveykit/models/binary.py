"""Binary GLMs with logit or probit link, step for step as R's ``glm.fit``.

Used by the ordinal model for svyolr's starting values and for the proportional-odds check
(one binary model per split of the outcome).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from surveykit._core.distributions import normal_quantile
from surveykit.models.links import expit, logit

__all__ = ["BinaryFit", "Link", "binary_glm"]

_EPS = float(np.finfo(float).eps)


@dataclass(frozen=True)
class Link:
    """Distribution function F of the latent error, with R's numerics (plogis/pnorm …)."""

    name: str

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return expit(x) if self.name == "logit" else special.ndtr(x)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        if self.name == "logit":
            e = np.exp(-np.abs(x))
            return e / (1 + e) ** 2
        return np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)

    def dpdf(self, x: np.ndarray) -> np.ndarray:
        return self.pdf(x) * (1 - 2 * self.cdf(x)) if self.name == "logit" else -x * self.pdf(x)

    # glm.fit's binomial family pieces (R's C code clamps the same way)
    def linkinv(self, eta: np.ndarray) -> np.ndarray:
        if self.name == "logit":
            e = np.where(eta < -30, _EPS, np.where(eta > 30, 1 / _EPS, np.exp(np.clip(eta, -30,
                                                                                      30))))
            return e / (1 + e)
        bound = -normal_quantile(_EPS)
        return special.ndtr(np.clip(eta, -bound, bound))

    def mu_eta(self, eta: np.ndarray) -> np.ndarray:
        if self.name == "logit":
            e = np.exp(np.clip(eta, -30, 30))
            return np.where(np.abs(eta) > 30, _EPS, e / (1 + e) ** 2)
        return np.maximum(self.pdf(eta), _EPS)

    def linkfun(self, mu: np.ndarray) -> np.ndarray:
        return logit(mu) if self.name == "logit" else special.ndtri(mu)


@dataclass(frozen=True)
class BinaryFit:
    """A weighted binary GLM (R's ``glm.fit``) with its influence values."""

    beta: np.ndarray
    converged: bool
    influence: np.ndarray | None = None


def _binary_deviance(y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    return float(-2 * np.sum(w * np.where(y > 0, np.log(mu), np.log1p(-mu))))


def binary_glm(X: np.ndarray, y: np.ndarray, w: np.ndarray, link: Link,
               influence: bool = False, epsilon: float = 1e-8, max_iter: int = 25,
               start_weights: np.ndarray | None = None) -> BinaryFit:
    """IRLS as R's ``glm.fit`` (binomial family, logit or probit link): the same start
    ``(w·y + ½)/(w + 1)`` and stopping rule, so svyolr's starting values are R's.

    Rows that stand for groups of respondents (``w`` their summed weights) start from
    their respondents' mean weight, ``start_weights``: R's start is per respondent, and
    a summed weight would start a row next to 0 or 1.
    """
    start = w if start_weights is None else start_weights
    eta = link.linkfun((start * y + 0.5) / (start + 1))
    deviance_old = _binary_deviance(y, link.linkinv(eta), w)
    beta, converged = np.zeros(X.shape[1]), False
    for _ in range(max_iter):
        mu, mu_eta = link.linkinv(eta), link.mu_eta(eta)
        weighted = X * (w * mu_eta**2 / (mu * (1 - mu)))[:, None]
        z = eta + (y - mu) / mu_eta
        try:
            beta = np.linalg.solve(weighted.T @ X, weighted.T @ z)
        except np.linalg.LinAlgError:
            break
        eta = X @ beta
        deviance = _binary_deviance(y, link.linkinv(eta), w)
        if abs(deviance - deviance_old) / (abs(deviance) + 0.1) < epsilon:
            converged = True
            break
        deviance_old = deviance
    if not influence:
        return BinaryFit(beta, converged)
    mu, mu_eta = link.linkinv(eta), link.mu_eta(eta)
    variance = mu * (1 - mu)
    bread = np.linalg.inv((X * (w * mu_eta**2 / variance)[:, None]).T @ X)
    return BinaryFit(beta, converged, (X * (w * (y - mu) * mu_eta / variance)[:, None]) @ bread)
