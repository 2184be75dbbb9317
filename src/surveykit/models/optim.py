"""R's quasi-Newton optimiser (``optim(method="BFGS")``, C function ``vmmin``) and
``optimhess``, ported step for step.

svyolr maximises with these; matching R's iterates, not only its optimum, is what lets the
ordinal model agree with R to 1e-6 (R's BFGS stops short of the exact maximum).
"""

from __future__ import annotations

import numpy as np

from surveykit._core.errors import ConvergenceError

__all__ = ["optim_hessian", "vmmin"]

_RELTOL = float(np.sqrt(np.finfo(float).eps))   # optim()'s default reltol


def vmmin(fn, gr, start: np.ndarray, maxit: int = 100) -> tuple[np.ndarray, float, bool, int]:
    """R's ``vmmin`` (``optim(method="BFGS")``), step for step; returns (par, value,
    converged, iterations)."""
    n = len(start)
    b = start.astype(float).copy()
    f = fn(b)
    if not np.isfinite(f):
        raise ConvergenceError("ordinal model: the starting values give an outcome level "
                               "probability 0; check that every outcome level is observed")
    f_min, g = f, gr(b)
    grad_count, iteration, last = 1, 1, 1
    inverse = np.eye(n)
    while True:
        if last == grad_count:
            inverse = np.eye(n)
        x, c = b.copy(), g.copy()
        t = -inverse @ g
        slope = float(t @ g)
        if slope < 0:
            step, accepted = 1.0, False
            while True:
                b = x + step * t
                count = int(np.sum(10.0 + x == 10.0 + b))
                if count < n:
                    f = fn(b)
                    accepted = bool(np.isfinite(f) and f <= f_min + slope * step * 1e-4)
                    if not accepted:
                        step *= 0.2
                if count == n or accepted:
                    break
            if not (abs(f - f_min) > _RELTOL * (abs(f_min) + _RELTOL)):
                count, f_min = n, f
            if count < n:
                f_min, g = f, gr(b)
                grad_count += 1
                iteration += 1
                t, c = step * t, g - c
                d1 = float(t @ c)
                if d1 > 0:
                    hc = inverse @ c
                    d2 = 1.0 + float(hc @ c) / d1
                    inverse = inverse + (d2 * np.outer(t, t) - np.outer(hc, t)
                                         - np.outer(t, hc)) / d1
                else:
                    last = grad_count
            elif last < grad_count:
                count, last = 0, grad_count
        else:
            count = n if last == grad_count else 0
            last = grad_count
        if iteration >= maxit:
            break
        if grad_count - last > 2 * n:
            last = grad_count
        if count == n and last == grad_count:
            break
    return b, f_min, iteration < maxit, iteration


def optim_hessian(gr, par: np.ndarray, step: float = 1e-3) -> np.ndarray:
    """R's ``optimhess``: central differences of the gradient, symmetrised."""
    matrix = np.empty((len(par), len(par)))
    moved = par.copy()
    for i in range(len(par)):
        moved[i] += step
        ahead = gr(moved)
        moved[i] -= 2 * step
        matrix[i] = (ahead - gr(moved)) / (2 * step)
        moved[i] += step
    return (matrix + matrix.T) / 2
