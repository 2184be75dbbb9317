"""Disclosure control as German official statistics does it.

* ``/`` — "Zahlenwert nicht sicher genug": a cell whose unweighted base is below
  ``min_cell_n`` shows nothing that would let it be recomputed (no estimate, interval, n).
* ``( )`` — limited reliability: a base below ``reliability_n`` is shown in parentheses.
* ``–`` — not collected.

Secondary suppression: the cells of a breakdown add up to the table's total (and, for a
two-way breakdown, to the one-way tables of each variable), so one suppressed cell could be
derived from the total and its neighbours. Every line (the domains of a one-way breakdown,
each row and each column of a two-way one) therefore has either no suppressed cell or at
least two; the smallest remaining cell of a line with one is suppressed as well, repeated
until no line has exactly one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["FLAGS", "SYMBOLS", "disclosure_flags"]

SYMBOLS = {"suppressed": "/", "suppressed_secondary": "/", "limited": "( )",
           "not_collected": "–", "": ""}
FLAGS = tuple(SYMBOLS)


def _lines(domains: pd.DataFrame, by: Sequence[str]) -> list[np.ndarray]:
    """Index arrays of the domains that add up to a published total."""
    if len(by) == 1:
        return [np.arange(len(domains))]
    lines = []
    for fixed in by:
        for _, members in domains.groupby(fixed, sort=False, observed=True):
            lines.append(members.index.to_numpy())
    return lines


def disclosure_flags(cells: pd.DataFrame, by: Sequence[str], min_cell_n: int,
                     reliability_n: int) -> pd.Series:
    """The flag of every row: ``suppressed``, ``suppressed_secondary``, ``limited`` or ``""``.

    Parameters
    ----------
    cells
        One sub-table: the breakdown's columns ``by``, ``level`` and the unweighted base
        ``n`` (the same for every level of a domain).
    by
        The breakdown's variables (empty: the whole population, never suppressed secondarily).
    min_cell_n, reliability_n
        Bases below these are suppressed / shown in parentheses.
    """
    n = cells["n"].fillna(0).to_numpy(dtype=float)
    flags = np.where(n < min_cell_n, "suppressed",
                     np.where(n < reliability_n, "limited", "")).astype(object)
    if not by:
        return pd.Series(flags, index=cells.index, name="flag")
    keys = cells[list(by)].astype(object)
    domains = keys.drop_duplicates().reset_index(drop=True)
    position = {tuple(row): i for i, row in enumerate(domains.itertuples(index=False,
                                                                         name=None))}
    domain_of_row = np.array([position[tuple(row)] for row in
                              keys.itertuples(index=False, name=None)])
    domain_n = np.zeros(len(domains))
    np.maximum.at(domain_n, domain_of_row, n)
    # An empty domain reveals nobody: it shows "/" but needs no protecting neighbour.
    hidden = (domain_n < min_cell_n) & (domain_n > 0)
    empty = domain_n == 0
    secondary = np.zeros(len(domains), dtype=bool)
    changed = True
    while changed:
        changed = False
        for line in _lines(domains, by):
            if (hidden | secondary)[line].sum() == 1 and len(line) > 1:
                candidates = [i for i in line if not (hidden | secondary | empty)[i]]
                if not candidates:
                    continue
                smallest = min(candidates, key=lambda i: (domain_n[i], i))
                secondary[smallest] = True
                changed = True
    flags = np.where(secondary[domain_of_row], "suppressed_secondary", flags)
    return pd.Series(flags, index=cells.index, name="flag")
