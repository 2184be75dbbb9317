"""Byte-identical Office files: rewrite a zip container with fixed timestamps.

openpyxl and python-pptx stamp every zip member with the current time, and openpyxl writes
the save time into the document properties, so two runs differ even when the content does
not. Rewriting the members in their order with a fixed date (and the same compression), and
the created/modified properties with a fixed stamp, makes a rerun byte-identical.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

__all__ = ["FIXED_TIME", "normalise_zip"]

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_STAMP = b"2000-01-01T00:00:00Z"
#: Document properties that writers set to "now" on every save.
_STAMPS = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def normalise_zip(path: str | Path) -> None:
    """Rewrite ``path`` in place with fixed member timestamps and attributes."""
    path = Path(path)
    with zipfile.ZipFile(path) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    members = [(name, _STAMPS.sub(rb"\g<1>" + FIXED_STAMP + rb"\g<2>", content)
                if name == "docProps/core.xml" else content) for name, content in members]
    temporary = path.with_name(path.name + ".zip-tmp")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, content)
    temporary.replace(path)
