"""Make ``civdesk/resources/archive/stamp-font.ttf``: the few glyphs the 归档章 needs.

The stamp prints letters, digits and 永久/30年/10年.  A subset of the Droid Sans Fallback
font bundled in PyMuPDF (Apache License 2.0) with just those glyphs is a few KB, so each
stamped PDF embeds it whole instead of subsetting a 4 MB font per file (which cost most of
the stamping time).  Needs fontTools (``pip install fonttools``) only when run::

    python scripts/make_stamp_font.py
"""
from __future__ import annotations

import io
import string
from pathlib import Path

import pymupdf
from fontTools import subset
from fontTools.ttLib import TTFont

GLYPHS = string.ascii_letters + string.digits + " -·永久年"
TARGET = Path(__file__).resolve().parents[1] / "civdesk" / "resources" / "archive" / "stamp-font.ttf"


def main() -> None:
    font = TTFont(io.BytesIO(pymupdf.Font("cjk").buffer))
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=GLYPHS)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    TARGET.write_bytes(out.getvalue())
    print(f"{TARGET}: {len(out.getvalue())} bytes, {len(GLYPHS)} characters")


if __name__ == "__main__":
    main()
