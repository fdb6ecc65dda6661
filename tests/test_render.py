"""The printed page, checked by rendering it (issue 14): every export kind of the commune and the
province demo, as XLSX and ODS, printed to PDF by LibreOffice headless (its own profile folder in a
temporary folder, a bounded time), then read back with poppler's ``pdftotext -bbox-layout``:

- «CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM» and «Độc lập - Tự do - Hạnh phúc» each on one line, the
  unit's name never broken, the place-and-date line whole;
- no text box overlaps another (a wrapped text running into the next row would);
- the signer's name on the same page as the table's last row (no page holding only a signature);
  no page holding only the repeated header;
- the page count the layout planned (commune Phụ lục I: one page).

Skipped, saying why, when ``soffice`` or ``pdftotext`` is missing (``.ci/run`` installs them:
Debian packages libreoffice-calc, fonts-liberation, fonts-crosextra-carlito, poppler-utils).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .conftest import PASS

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
pytestmark = pytest.mark.skipif(
    not (SOFFICE and PDFTOTEXT),
    reason="rendering test needs LibreOffice (soffice) and poppler (pdftotext): apt-get install libreoffice-calc "
           "fonts-liberation fonts-crosextra-carlito poppler-utils (.ci/run installs them)")

DAY = dt.date(2026, 4, 10)
TIMEOUT = int(os.environ.get("CNSCD_RENDER_TIMEOUT", "900"))  # seconds for one batch of conversions
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


@dataclass
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Page:
    lines: list[str] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def read_pdf(pdf: Path) -> list[Page]:
    """The pages of ``pdf``: each line's text and each word's box (pdftotext -bbox-layout)."""
    out = subprocess.run([PDFTOTEXT, "-bbox-layout", str(pdf), "-"], capture_output=True, timeout=300, check=True)
    root = ET.fromstring(out.stdout)
    pages = []
    for pg in root.iter():
        if not pg.tag.endswith("}page"):
            continue
        page = Page()
        for ln in pg.iter():
            if not ln.tag.endswith("}line"):
                continue
            words = [w for w in ln if w.tag.endswith("}word")]
            page.lines.append(" ".join((w.text or "") for w in words))
            for w in words:
                page.words.append(Word(w.text or "", float(w.get("xMin")), float(w.get("yMin")),
                                       float(w.get("xMax")), float(w.get("yMax"))))
        pages.append(page)
    return pages


def overlaps(page: Page) -> list[tuple[str, str]]:
    """Pairs of words whose boxes overlap by more than the line spacing inside one cell allows (the
    boxes of two lines of one wrapped cell touch by about 15 % of their height)."""
    words = sorted(page.words, key=lambda w: w.y0)
    bad = []
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            if b.y0 >= a.y1:
                break
            dy = min(a.y1, b.y1) - max(a.y0, b.y0)
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            if dx > 0.5 and dy > 0.3 * min(a.y1 - a.y0, b.y1 - b.y0):
                bad.append((a.text, b.text))
    return bad


def convert(files: list[Path], outdir: Path) -> None:
    """All ``files`` to PDF in one LibreOffice run, with its own profile folder."""
    profile = outdir / "profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf:calc_pdf_Export", "--outdir", str(outdir)] + [str(f) for f in files],
                   capture_output=True, timeout=TIMEOUT, check=True)


def _last_row_text(report) -> str:
    """A text of the table's last row (the total row's label, else the row's longest text)."""
    row = report.total if report.total is not None else (report.rows[-1] if report.rows else None)
    texts = [v for v in (row or []) if isinstance(v, str) and v.strip()]
    return max(texts, key=len) if texts else ""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, commune_demo_bytes, province_demo_bytes):
    """{(scale, kind, fmt): (reports, planned pages, pdf pages)} for every kind of both demos
    (copies of the session's demo files), all printed in one LibreOffice run."""
    from exports import request, sheet_plan, writers
    from models.db import Registry

    d = tmp_path_factory.mktemp("render")
    made: dict[tuple[str, str, str], tuple[list, int, Path]] = {}
    files = []
    for scale, data in (("commune", commune_demo_bytes), ("province", province_demo_bytes)):
        (d / f"{scale}.cnscd").write_bytes(data)
        reg = Registry.open(d / f"{scale}.cnscd", passphrase=PASS)
        try:
            for kind in request.KINDS:
                obj, _tag = request.build_pack(reg, request.ReportRequest(kind=kind, day=DAY))
                reports = writers.as_reports(obj)
                planned = sum(sheet_plan.plan(r).pages.pages for r in reports)
                for fmt in ("xlsx", "ods"):
                    # the format in the name too: one run prints both, each to its own PDF
                    path = writers.write(obj, d / f"{scale}_{kind}_{fmt}.{fmt}", fmt)[0]
                    made[(scale, kind, fmt)] = (reports, planned, d / "pdf" / f"{path.stem}.pdf")
                    files.append(path)
        finally:
            reg.close()
    out = d / "pdf"
    out.mkdir()
    convert(files, out)
    return {k: (reports, planned, read_pdf(pdf)) for k, (reports, planned, pdf) in made.items()}


def _check_document(key, reports, planned: int, pages: list[Page]) -> list[str]:
    errors = []
    name = "/".join(key)
    if len(pages) != planned:
        errors.append(f"{name}: {len(pages)} pages printed, {planned} planned")
    lines = [ln for p in pages for ln in p.lines]
    with_head = [r for r in reports if r.letterhead is not None]
    if sum(NATION in ln for ln in lines) != len(with_head):
        errors.append(f"{name}: «{NATION}» not on one line on every sheet")
    if sum(MOTTO in ln for ln in lines) != len(with_head):
        errors.append(f"{name}: «{MOTTO}» not on one line on every sheet")
    for r in with_head:
        unit = r.letterhead.issuing_body.replace("ỦY BAN NHÂN DÂN ", "")
        if not any(unit in ln for ln in lines):
            errors.append(f"{name}: «{unit}» broken across lines")
        if not any(r.letterhead.place_date in ln for ln in lines):
            errors.append(f"{name}: the place-and-date line is cut")
    for i, p in enumerate(pages, 1):
        bad = overlaps(p)
        if bad:
            errors.append(f"{name}: page {i}: text boxes overlap: {bad[:3]}")
    signed = [r for r in with_head if r.letterhead.signer_name]
    # a signature block is found by its title line («PHÓ GIÁM ĐỐC»): the name may also be a member's
    title = signed[0].letterhead.signer_title if signed else ""
    sign_pages = [i for i, p in enumerate(pages) for ln in p.lines if title and ln.strip() == title]
    if len(sign_pages) != len(signed):
        errors.append(f"{name}: {len(sign_pages)} signature blocks printed for {len(signed)} sheets")
    for r, page_no in zip(signed, sign_pages, strict=False):
        last = _last_row_text(r)
        first_word = last.split()[0] if last else ""
        if r.letterhead.signer_name not in pages[page_no].text:
            errors.append(f"{name}: sheet «{r.sheet_name}»: the signer's name is not on the page of the title")
        if first_word and first_word not in pages[page_no].text:
            errors.append(f"{name}: sheet «{r.sheet_name}»: the signature is on page {page_no + 1} "
                          f"without the table's last row («{last}»)")
    return errors


def _header_only_pages(key, reports, pages: list[Page]) -> list[str]:
    """Pages whose words are only the repeated header rows and the footer."""
    head_words = {w for r in reports for hr in r.header_rows for v in hr for w in (v or "").split()}
    errors = []
    for i, p in enumerate(pages, 1):
        rest = [w.text for w in p.words if w.text not in head_words and not re.fullmatch(r"Trang|\d+/\d+", w.text)]
        if p.words and not rest:
            errors.append(f"{'/'.join(key)}: page {i} holds only the header")
    return errors


@pytest.mark.parametrize("scale", ["commune", "province"])
def test_printed_documents(rendered, scale):
    errors = []
    for key, (reports, planned, pages) in sorted(rendered.items()):
        if key[0] != scale:
            continue
        errors += _check_document(key, reports, planned, pages)
        errors += _header_only_pages(key, reports, pages)
    assert not errors, "\n".join(errors)


def test_commune_phu_luc_1_is_one_page(rendered):
    for fmt in ("xlsx", "ods"):
        _reports, planned, pages = rendered[("commune", "phu-luc-1", fmt)]
        assert planned == 1 and len(pages) == 1, fmt
        text = pages[0].text
        assert "TM. ỦY BAN NHÂN DÂN" in text and "KT. CHỦ TỊCH" in text and "Nơi nhận:" in text
        assert re.search(r"Số:\s*/BC-UBND", text)


def test_long_documents_number_their_pages(rendered):
    _reports, planned, pages = rendered[("province", "danh-sach", "xlsx")]
    assert planned > 100
    assert f"Trang 3/{len(pages)}" in pages[2].text
    _reports, planned, pages = rendered[("province", "danh-sach", "ods")]
    assert f"Trang 3/{len(pages)}" in pages[2].text
