"""The composition category a position title implies («Chức vụ» → «Thành phần»).

Most commune rosters have no «Thành phần» column: the category is implied by
the person's position as the clerk typed it — «Bí thư Chi đoàn», «Trưởng ban
công tác Mặt trận», «CT Hội LHPN», «Trưởng thôn kiêm Bí thư chi bộ». The
**organisation named decides, not the first word**: «Bí thư Chi đoàn» is Đoàn
Thanh niên, not Bí thư chi bộ; «Trưởng ban công tác Mặt trận» is Mặt trận, not
Trưởng thôn. «kiêm» (and a comma, «;», «/», «+») separates positions held
together: the first decides the category, the rest are kept as other positions.

A title the resolver cannot place with confidence gets no category
(``code is None``): the import asks the clerk (``--category-map`` on the command
line, a choice in the wizard) — never a silent «Chức danh khác».
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import text

# Abbreviations as clerks type them (folded, whole words) → their folded long form.
_ABBREVIATIONS = {
    "bt": "bi thu", "pbt": "pho bi thu", "ct": "chu tich", "pct": "pho chu tich", "uv": "uy vien",
    "ubnd": "uy ban nhan dan", "ub": "uy ban", "hdnd": "hoi dong nhan dan",
    "mttq": "mat tran to quoc", "ubmttq": "uy ban mat tran to quoc", "mt": "mat tran",
    "ctmt": "cong tac mat tran", "bctmt": "ban cong tac mat tran",
    "lhpn": "lien hiep phu nu", "hlhpn": "hoi lien hiep phu nu", "hpn": "hoi phu nu", "pn": "phu nu",
    "hnd": "hoi nong dan", "nd": "nong dan",
    "ccb": "cuu chien binh", "hccb": "hoi cuu chien binh",
    "dtn": "doan thanh nien", "tn": "thanh nien", "tncs": "thanh nien cong san", "cd": "chi doan",
    "cav": "cong an vien", "ca": "cong an",
    "gv": "giao vien", "ht": "hieu truong", "hp": "hieu pho",
    "tdp": "to dan pho", "kdc": "khu dan cu", "kp": "khu pho", "ttdp": "to truong to dan pho",
    "tnv": "tinh nguyen vien", "cb": "can bo", "cc": "cong chuc", "cbcc": "can bo cong chuc",
    "vh": "van hoa", "xh": "xa hoi", "vhxh": "van hoa xa hoi", "dc": "dia chinh", "tp": "tu phap",
    "bch": "ban chap hanh", "ql": "quan ly",
}

# (folded phrase, category code), most specific organisations first. A phrase
# matches whole words only.
_ORGANISATIONS: tuple[tuple[str, str], ...] = (
    # mass organisations and the Front: they decide over any title word
    ("chi doan", "DOAN_TN"), ("doan thanh nien", "DOAN_TN"), ("thanh nien cong san", "DOAN_TN"),
    ("doan vien", "DOAN_TN"), ("doan xa", "DOAN_TN"), ("doan phuong", "DOAN_TN"), ("doan thi tran", "DOAN_TN"),
    ("thanh nien", "DOAN_TN"), ("ho chi minh", "DOAN_TN"), ("cong doan", "KHAC"), ("doan", "DOAN_TN"),
    ("mat tran", "MTTQ"),
    ("phu nu", "PHU_NU"),
    ("nong dan", "NONG_DAN"),
    ("cuu chien binh", "CCB"),
    # police, schools
    ("cong an", "CONG_AN"), ("bao ve an ninh", "CONG_AN"), ("an ninh trat tu", "CONG_AN"),
    ("bao ve dan pho", "CONG_AN"),
    ("giao vien", "GIAO_VIEN"), ("hieu truong", "GIAO_VIEN"), ("hieu pho", "GIAO_VIEN"),
    ("co giao", "GIAO_VIEN"), ("thay giao", "GIAO_VIEN"), ("nha giao", "GIAO_VIEN"),
    # the party cell
    ("chi bo", "BI_THU"), ("dang uy", "CB_XA"),
    # village / residential-group management
    ("to dan pho", "TRUONG_THON"), ("truong thon", "TRUONG_THON"), ("thon truong", "TRUONG_THON"),
    ("pho thon", "TRUONG_THON"), ("truong khu pho", "TRUONG_THON"), ("truong khu dan cu", "TRUONG_THON"),
    ("truong khu", "TRUONG_THON"), ("truong ap", "TRUONG_THON"), ("truong ban", "TRUONG_THON_BAN"),
    ("truong xom", "TRUONG_THON"), ("truong khom", "TRUONG_THON"), ("truong lang", "TRUONG_THON"),
    ("pho khu pho", "TRUONG_THON"), ("pho ap", "TRUONG_THON"), ("truong ban nhan dan", "TRUONG_THON"),
    ("khom truong", "TRUONG_THON"), ("ap truong", "TRUONG_THON"), ("xom truong", "TRUONG_THON"),
    ("khu truong", "TRUONG_THON"), ("lang truong", "TRUONG_THON"),
    # the commune's people's committee and its civil servants
    ("uy ban nhan dan", "CB_XA"), ("hoi dong nhan dan", "CB_XA"), ("cong chuc", "CB_XA"),
    ("can bo xa", "CB_XA"), ("can bo phuong", "CB_XA"), ("dung diem", "CB_XA"), ("van hoa xa hoi", "CB_XA"),
    ("dia chinh", "CB_XA"), ("tu phap", "CB_XA"), ("van phong thong ke", "CB_XA"),
    ("chu tich xa", "CB_XA"), ("chu tich phuong", "CB_XA"), ("pho chu tich xa", "CB_XA"),
    ("pho chu tich phuong", "CB_XA"), ("can bo cong chuc", "CB_XA"), ("can bo van hoa", "CB_XA"),
    ("van phong ubnd", "CB_XA"), ("chu tich thi tran", "CB_XA"), ("can bo thi tran", "CB_XA"),
    # volunteers
    ("tinh nguyen", "TNV"),
    # recognised positions outside the listed organisations
    ("nguoi co uy tin", "KHAC"), ("y te thon", "KHAC"), ("y te", "KHAC"), ("nhan vien", "KHAC"),
    ("buu dien", "KHAC"), ("viettel", "KHAC"), ("vnpt", "KHAC"), ("mobifone", "KHAC"),
    ("ngan hang", "KHAC"), ("hop tac xa", "KHAC"), ("nguoi cao tuoi", "KHAC"), ("chu thap do", "KHAC"),
    ("khuyen hoc", "KHAC"), ("ho kinh doanh", "KHAC"), ("doanh nghiep", "KHAC"), ("chuc danh khac", "KHAC"),
)

# A title word alone that names its organisation by custom: «Bí thư» in a village is
# the party cell's secretary; «Đoàn viên» a Youth Union member.
_TITLE_ONLY = (("bi thu", "BI_THU"),)

_SPLIT = re.compile(r"\s*(?:\bkiem\b|[,;/+])\s*")
_DASH = re.compile(r"\s+[-–]\s+")
# phrases that only say where (a residential group), not which organisation
_PLACE_ONLY = {"to dan pho", "khu dan cu"}
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Resolution:
    """What a position title says: ``code`` (None = ask the clerk), the positions it names."""

    title: str  # as typed (cleaned)
    code: str | None
    primary: str  # the first position (decides the category)
    others: tuple[str, ...]  # further positions held («kiêm …»), kept as other positions
    reason: str  # the words that decided, or why it must be asked (Vietnamese)

    @property
    def asked(self) -> bool:
        return self.code is None


def _expand(folded: str) -> str:
    words = _WORD.findall(folded.replace("đ", "d"))
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def _split_original(title: str) -> list[str]:
    """Split the title as typed (keeping its accents) where its folded form splits."""
    folded = text.fold(title)
    parts, start = [], 0
    # text.fold keeps the length of a cleaned NFC string letter for letter
    if len(folded) == len(title):
        for m in _SPLIT.finditer(folded):
            parts.append(title[start:m.start()].strip())
            start = m.end()
        parts.append(title[start:].strip())
        return [p for p in parts if p]
    return [p.strip() for p in _SPLIT.split(folded) if p.strip()]


# «Cựu giáo viên», «Nguyên Bí thư chi bộ»: a position held before says nothing of the category now
# (but «Cựu chiến binh» is the veterans' association).
_FORMER = re.compile(r"^ (?:cuu|nguyen) (?!chien binh )")


def _code_of(segment: str) -> tuple[str | None, str]:
    words = " " + _expand(text.fold(segment)) + " "
    if _FORMER.match(words):
        return None, "chức vụ đã thôi giữ (nguyên/cựu): hãy chọn thành phần hiện nay"
    if " truong ban " in words and "trưởng bản" in segment.lower():
        words = words.replace(" truong ban ", " truong thon ")  # «Trưởng bản» heads a hamlet
    hits = [(kw, code) for kw, code in _ORGANISATIONS if " " + kw + " " in words]
    # a phrase inside a longer one that matched says nothing of its own («đoàn» in «công đoàn»)
    hits = [(kw, code) for kw, code in hits
            if not any(kw != other and f" {kw} " in f" {other} " for other, _ in hits)]
    if not hits:
        for kw, code in _TITLE_ONLY:
            if " " + kw + " " in words:
                return code, kw
        return None, "không nhận ra tổ chức nào trong chức vụ"
    codes = {code for _, code in hits}
    if len(codes) > 1:  # where it is («… tổ dân phố 3») and «nhân viên» yield to the organisation
        strong = {code for kw, code in hits if kw not in _PLACE_ONLY and code != "KHAC"}
        codes = strong or codes
    if "TRUONG_THON_BAN" in codes:  # «Trưởng ban …»: the organisation after it decides
        codes.discard("TRUONG_THON_BAN")
        if not codes:
            return None, "«Trưởng ban» không nói rõ ban nào"
    if len(codes) > 1:
        names = ", ".join(sorted(codes))
        return None, f"chức vụ nêu nhiều tổ chức ({names})"
    code = codes.pop()
    return code, next(kw for kw, c in hits if c == code)


def _positions(title: str) -> list[str]:
    parts = _split_original(title) or [title]
    out: list[str] = []
    for part in parts:  # «Bí thư chi bộ - Trưởng thôn»: a dash splits only between two positions
        pieces = [p for p in _DASH.split(part) if p.strip()]
        if len(pieces) > 1 and all(_code_of(p)[0] for p in pieces):
            out.extend(p.strip() for p in pieces)
        else:
            out.append(part)
    return out


def resolve_title(title: str) -> Resolution | None:
    """The category a position title implies; None for an empty title."""
    title = text.clean(title)
    if not title:
        return None
    parts = _positions(title)
    code, why = _code_of(parts[0])
    if code is None and len(parts) > 1:
        # «Tổ trưởng kiêm Bí thư chi bộ»: the first names no organisation; still ask,
        # but say which later position would place it
        later = [c for c, _ in map(_code_of, parts[1:]) if c]
        if later:
            why += f" (vị trí kiêm nhiệm gợi ý {later[0]})"
    return Resolution(title, code, parts[0], tuple(parts[1:]), why)
