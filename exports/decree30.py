"""The elements Nghị định 30/2020/NĐ-CP gives an administrative document, as text: the signer's
lines (TM./KT./Q. by the signer's role), the number and symbol line («Số: …/BC-UBND»), the list of
recipients («Nơi nhận»). The writers place them; :mod:`exports.print_layout` measures them.

What the registry's settings hold (read defensively: a setting not there yet is its default):
``doc_number`` (e.g. "125" or "125/BC-UBND"; empty: a blank to write by hand), ``doc_symbol``
(the issuing body's abbreviation; empty: from its name, «ỦY BAN NHÂN DÂN …» → UBND,
«SỞ KHOA HỌC VÀ CÔNG NGHỆ» → SKHCN), ``recipients`` (lines of «Nơi nhận»; empty: the body above
and «Lưu: VT.»).
"""

from __future__ import annotations

from models import text

# Collective bodies sign «TM.» (thay mặt) above the head's line: Điều 13 of the decree.
_COLLECTIVE = {
    "uy ban nhan dan": "TM. ỦY BAN NHÂN DÂN",
    "ubnd": "TM. ỦY BAN NHÂN DÂN",
    "hoi dong nhan dan": "TM. HỘI ĐỒNG NHÂN DÂN",
    "hdnd": "TM. HỘI ĐỒNG NHÂN DÂN",
    "ban thuong truc": "TM. BAN THƯỜNG TRỰC",
    "ban thuong vu": "TM. BAN THƯỜNG VỤ",
}
BLANK_NUMBER = " " * 8  # room to write the number by hand
_ABBREVIATED = {"uy ban nhan dan": "UBND", "hoi dong nhan dan": "HĐND", "uy ban mat tran to quoc": "MTTQ"}
_KINDS_LOWER = ("thành phố", "thị xã", "thị trấn", "đặc khu", "tỉnh", "huyện", "quận", "xã", "phường")


def _collective(issuing_body: str) -> str:
    f = text.fold(issuing_body or "")
    for start, line in _COLLECTIVE.items():
        if f.startswith(start):
            return line
    return ""


def signer_lines(lh) -> list[str]:
    """The lines above the signature: «TM. ỦY BAN NHÂN DÂN» / «KT. CHỦ TỊCH» / «PHÓ CHỦ TỊCH».

    The «TM.» line is there when a collective body issues the document and its head signs, for it or
    through a deputy (no prefix, «KT.», «Q.»); not for «TL.»/«TUQ.» nor for a body run by one head
    (a Sở: «KT. GIÁM ĐỐC» / «PHÓ GIÁM ĐỐC»), and never twice."""
    prefix = text.clean(getattr(lh, "signer_prefix", "") or "")
    title = text.clean(getattr(lh, "signer_title", "") or "")
    lines = []
    p = text.fold(prefix)
    tm = _collective(getattr(lh, "issuing_body", ""))
    if tm and not p.startswith(("tm.", "tm ", "tl.", "tl ", "tuq.", "tuq ")):
        lines.append(tm)
    lines += [v for v in (prefix, title) if v]
    return lines


def doc_symbol(lh) -> str:
    """The issuing body's abbreviation for the number line: UBND, SKHCN, …"""
    saved = text.clean(getattr(lh, "doc_symbol", "") or "")
    if saved:
        return saved
    body = text.clean(getattr(lh, "issuing_body", "") or "")
    f = text.fold(body)
    for start, abbr in _ABBREVIATED.items():
        if f.startswith(start):
            return abbr
    words = [w for w in body.replace("-", " ").split() if text.fold(w) not in ("va", "&")]
    return "".join("Đ" if w[0] in "Đđ" else text.fold(w[0]).upper() for w in words if w[:1].isalpha())


def number_line(lh, kind: str = "BC") -> str:
    """«Số: 125/BC-UBND», or «Số:        /BC-UBND» with room to write the number by hand."""
    number = text.clean(getattr(lh, "doc_number", "") or "")
    if "/" in number:
        return f"Số: {number}"
    return f"Số: {number or BLANK_NUMBER}/{kind}-{doc_symbol(lh)}"


def _sentence_case(name: str) -> str:
    """«UBND TỈNH QUẢNG NAM» → «UBND tỉnh Quảng Nam» (abbreviations kept, unit kinds in lower case)."""
    words = []
    for w in name.split():
        if w.isupper() and len(w) <= 5 and text.fold(w) in ("ubnd", "hdnd", "mttq", "vh-xh", "khcn"):
            words.append(w)
        else:
            words.append(w[:1].upper() + w[1:].lower())
    out = " ".join(words)
    for kind in _KINDS_LOWER:
        cap = kind[:1].upper() + kind[1:]
        cap_all = " ".join(x[:1].upper() + x[1:] for x in kind.split())
        for form in (cap_all, cap):
            out = out.replace(f" {form} ", f" {kind} ")
    return out


def recipients(lh) -> list[str]:
    """The lines under «Nơi nhận:»: the settings' list, else the body above and the archive."""
    saved = [text.clean(x) for x in (getattr(lh, "recipients", ()) or ()) if text.clean(x)]
    if saved:
        return [x if x.startswith(("-", "+", "•")) else f"- {x}" for x in saved]
    out = []
    parent = text.clean(getattr(lh, "issuing_body_parent", "") or "")
    if parent:
        out.append(f"- {_sentence_case(parent)};")
    out.append("- Lưu: VT.")
    return out
