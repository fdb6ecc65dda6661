"""Generate ``exports/font_metrics.py``: advance widths of the characters the sheets use, read
once from the font files (never at run time; the product ships the table, not the fonts).

    python bench/gen_font_metrics.py [--check]

The sheets name Times New Roman (metric-compatible: Liberation Serif) and the workbook's
default font is Calibri (metric-compatible: Carlito), whose digit width is Excel's column
width unit. The fonts are looked up in the usual Debian folders (packages fonts-liberation2 /
fonts-liberation and fonts-crosextra-carlito). ``--check`` compares the stored table with the
fonts and exits 1 when they differ.

The reader is a few lines of ``struct`` over the TrueType tables it needs (head, hhea, hmtx,
cmap formats 4 and 12, OS/2): no font library is needed.
"""

from __future__ import annotations

import argparse
import struct
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "exports" / "font_metrics.py"

FOLDERS = [Path("/usr/share/fonts/truetype/liberation2"), Path("/usr/share/fonts/truetype/liberation"),
           Path("/usr/share/fonts/truetype/crosextra")]
FONTS = {  # (family, bold, italic) → file name
    ("serif", False, False): "LiberationSerif-Regular.ttf",
    ("serif", True, False): "LiberationSerif-Bold.ttf",
    ("serif", False, True): "LiberationSerif-Italic.ttf",
    ("serif", True, True): "LiberationSerif-BoldItalic.ttf",
    ("calibri", False, False): "Carlito-Regular.ttf",
    ("calibri", True, False): "Carlito-Bold.ttf",
}


def charset() -> list[str]:
    """Printable ASCII, Latin-1, the Vietnamese letters (precomposed, NFC) and the punctuation
    the product writes (dashes, quotes, «», …, ×, №, ₫)."""
    chars = {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0xA0, 0x100)}
    chars |= set("ĂăĐđĨĩŨũƠơƯư") | {chr(c) for c in range(0x1EA0, 0x1EFA)}
    chars |= set("–—‘’“”…•×÷≤≥−€₫№→←√✓")
    return sorted(c for c in chars if unicodedata.category(c) not in ("Cc", "Cf"))


class Font:
    def __init__(self, path: Path):
        self.data = data = path.read_bytes()
        num = struct.unpack(">H", data[4:6])[0]
        self.tables = {}
        for i in range(num):
            tag, _check, off, length = struct.unpack(">4sIII", data[12 + 16 * i: 28 + 16 * i])
            self.tables[tag.decode("latin-1")] = (off, length)
        head = self.table("head")
        self.units = struct.unpack(">H", head[18:20])[0]
        hhea = self.table("hhea")
        self.ascent, self.descent, self.line_gap = struct.unpack(">hhh", hhea[4:10])
        n_metrics = struct.unpack(">H", hhea[34:36])[0]
        hmtx = self.table("hmtx")
        self.advances = [struct.unpack(">H", hmtx[4 * i: 4 * i + 2])[0] for i in range(n_metrics)]
        os2 = self.table("OS/2")
        self.win_ascent, self.win_descent = struct.unpack(">HH", os2[74:78])
        self.cmap = self._cmap()

    def table(self, tag: str) -> bytes:
        off, length = self.tables[tag]
        return self.data[off: off + length]

    def _cmap(self) -> dict[int, int]:
        cmap = self.table("cmap")
        n = struct.unpack(">H", cmap[2:4])[0]
        best = None
        for i in range(n):
            pid, eid, off = struct.unpack(">HHI", cmap[4 + 8 * i: 12 + 8 * i])
            fmt = struct.unpack(">H", cmap[off: off + 2])[0]
            if pid == 3 and eid == 10 and fmt == 12:
                best = (0, off, fmt)
            elif pid == 3 and eid == 1 and fmt == 4 and best is None:
                best = (1, off, fmt)
        _, off, fmt = best
        out: dict[int, int] = {}
        if fmt == 12:
            groups = struct.unpack(">I", cmap[off + 12: off + 16])[0]
            for g in range(groups):
                start, end, gid = struct.unpack(">III", cmap[off + 16 + 12 * g: off + 28 + 12 * g])
                for c in range(start, end + 1):
                    out[c] = gid + c - start
            return out
        segx2 = struct.unpack(">H", cmap[off + 6: off + 8])[0]
        seg = segx2 // 2
        ends = struct.unpack(f">{seg}H", cmap[off + 14: off + 14 + segx2])
        starts = struct.unpack(f">{seg}H", cmap[off + 16 + segx2: off + 16 + 2 * segx2])
        deltas = struct.unpack(f">{seg}h", cmap[off + 16 + 2 * segx2: off + 16 + 3 * segx2])
        ro_off = off + 16 + 3 * segx2
        ranges = struct.unpack(f">{seg}H", cmap[ro_off: ro_off + segx2])
        for i in range(seg):
            for c in range(starts[i], ends[i] + 1):
                if c == 0xFFFF:
                    continue
                if ranges[i] == 0:
                    gid = (c + deltas[i]) & 0xFFFF
                else:
                    addr = ro_off + 2 * i + ranges[i] + 2 * (c - starts[i])
                    gid = struct.unpack(">H", cmap[addr: addr + 2])[0]
                    if gid:
                        gid = (gid + deltas[i]) & 0xFFFF
                if gid:
                    out[c] = gid
        return out

    def advance(self, ch: str) -> int | None:
        gid = self.cmap.get(ord(ch))
        if gid is None:
            return None
        return self.advances[min(gid, len(self.advances) - 1)]


def find(name: str) -> Path:
    for folder in FOLDERS:
        p = folder / name
        if p.exists():
            return p
    raise SystemExit(f"font file {name} not found in {', '.join(map(str, FOLDERS))}: "
                     "apt-get install fonts-liberation2 fonts-crosextra-carlito")


def build() -> str:
    chars = charset()
    lines = ['"""Advance widths of the fonts the sheets use (generated by bench/gen_font_metrics.py from',
             "Liberation Serif, metric-compatible with Times New Roman, and Carlito, metric-compatible with",
             'Calibri; do not edit by hand). Widths are in font units; ``UNITS`` per em."""', "",
             "# ruff: noqa: E501", "",
             f"CHARS = {''.join(chars)!r}", ""]
    units = None
    widths: dict[str, list[int]] = {}
    vertical: dict[str, tuple[int, int, int]] = {}
    for (family, bold, italic), name in FONTS.items():
        f = Font(find(name))
        if units is None:
            units = f.units
        assert f.units == units, (name, f.units, units)
        space = f.advance(" ")
        key = f"{family}{'-bold' if bold else ''}{'-italic' if italic else ''}"
        widths[key] = [f.advance(c) if f.advance(c) is not None else space for c in chars]
        vertical[key] = (f.win_ascent, f.win_descent, f.line_gap)
    lines.append(f"UNITS = {units}")
    lines.append("# (ascent, descent, line gap) in font units: the line height LibreOffice and Excel use")
    lines.append(f"VERTICAL = {vertical!r}")
    lines.append("WIDTHS = {")
    for key, ws in widths.items():
        lines.append(f"    {key!r}: {ws!r},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    text = build()
    if a.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("font_metrics.py matches the fonts" if same else "font_metrics.py differs from the fonts")
        sys.exit(0 if same else 1)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(text) // 1024} kB)")


if __name__ == "__main__":
    main()
