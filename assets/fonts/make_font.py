"""Rebuild NotoSansCJKkr-Hangul.ttf: the Korean face of Noto Sans CJK, cut to Hangul, Latin and punctuation,
with TrueType outlines (fpdf2 embeds TrueType CID fonts reliably; CID-keyed CFF widths come out wrong).

    python assets/fonts/make_font.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]

The source is Debian's fonts-noto-cjk (SIL OFL 1.1, see OFL.txt). Needs fontTools (installed with fpdf2).
Hanja and emoji are left out to keep the file ~2 MB; the PDF builder shows "?" for a character the font lacks.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
KOREAN_FACE = 1  # JP, KR, SC, TC, HK, then the Mono faces
OUT = Path(__file__).with_name("NotoSansCJKkr-Hangul.ttf")
RANGES = (
    (0x0020, 0x007E), (0x00A0, 0x00FF),  # Latin
    (0x2010, 0x2027), (0x2030, 0x203B), (0x20A9, 0x20A9), (0x2190, 0x2193), (0x2460, 0x2473),  # punctuation, ₩
    (0x25A0, 0x25CF), (0x2713, 0x2713),  # □ ○ ✓
    (0x3000, 0x3011), (0x3131, 0x318E), (0xAC00, 0xD7A3),  # CJK punctuation, jamo, every Hangul syllable
    (0xFF01, 0xFF5E),  # full-width forms
)


def cut(font: TTFont) -> None:
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[u for first, last in RANGES for u in range(first, last + 1)])
    subsetter.subset(font)


def to_truetype(font: TTFont) -> None:
    """Cubic CFF outlines → quadratic glyf (fontTools' otf2ttf recipe)."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    font.sfntVersion = "\x00\x01\x00\x00"


def main(source: str = SOURCE) -> None:
    font = TTCollection(source).fonts[KOREAN_FACE]
    cut(font)
    to_truetype(font)
    font.save(OUT)
    print(f"{OUT} {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(*sys.argv[1:])
