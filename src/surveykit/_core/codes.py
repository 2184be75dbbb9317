"""Codes as data carry them: comparable keys (1 == 1.0 == "1") and their written form."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["code_key", "format_code"]


def code_key(value: Any) -> Any:
    """A comparable key for a code: numbers (and numeric text) as float, other text as str."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        return text


def format_code(value: Any) -> str:
    """A code as people write it: 3.0 → '3'."""
    integral = isinstance(value, (float, np.floating)) and math.isfinite(value)
    if integral and float(value).is_integer():
        return str(int(value))
    return str(value)
