"""Make ``civdesk/resources/fonts/NotoSerifSC-GB2312.ttf``: the serif (Song-style) CJK font of
the 图文说明 and 材料汇编 PDFs.

Noto Serif CJK SC (SIL Open Font License 1.1, see ``OFL.txt`` beside the font) holds 65,000
glyphs in a 25 MB collection; the PDFs need the GB2312 characters (6,763 hanzi, the symbols,
full-width forms), Latin-1 and a few typographic marks.  The subset is a few MB; each PDF then
embeds only the glyphs it uses (PyMuPDF ``subset_fonts``).  Needs fontTools and the Debian
package ``fonts-noto-cjk`` only when run::

    python scripts/build_cjk_font.py [path/to/NotoSerifCJK-Regular.ttc]
"""
from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
TARGET = Path(__file__).resolve().parents[1] / "civdesk" / "resources" / "fonts" / "NotoSerifSC-GB2312.ttf"


def gb2312_text() -> str:
    """Every character GB2312 encodes (rows 0xA1–0xF7, cells 0xA1–0xFE)."""
    out = []
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(out)


def extra_text() -> str:
    # U+00A0 and U+00AD share the glyphs of the space and the hyphen; left out, so a PDF's
    # text maps those glyphs back to " " and "-" (copy, search and tests see plain text)
    latin = "".join(chr(c) for c in range(0x20, 0x7F)) + "".join(chr(c) for c in range(0xA1, 0x100)
                                                             if c != 0xAD)
    marks = "—–…·•‘’“”、。，：；？！（）《》〈〉「」『』【】〔〕［］｛｝〇Ⅰ-ⅫⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ№℃°±×÷"
    return latin + marks + "".join(chr(c) for c in range(0xFF01, 0xFF5F))


def to_truetype(font: TTFont) -> None:
    """CFF outlines → TrueType quadratic outlines (MuPDF subsets TrueType fonts reliably; its
    CFF subsetter fails on this font and would embed all of it)."""
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.maxComponentDepth = 0
    font["head"].indexToLocFormat = 0
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"
    font.recalcBBoxes = True


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    collection = TTCollection(str(source))
    font = next(f for f in collection.fonts
                if "SC" in str(f["name"].getDebugName(4)) and "Serif" in str(f["name"].getDebugName(4)))
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.layout_features = ["vert", "vrt2", "kern", "palt"]
    options.hinting = False
    options.desubroutinize = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=gb2312_text() + extra_text())
    subsetter.subset(font)
    to_truetype(font)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(TARGET))
    print(f"{TARGET}: {TARGET.stat().st_size} bytes from {source.name}")


if __name__ == "__main__":
    main()
