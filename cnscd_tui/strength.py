"""Passphrase strength hint (tiny module: the unlock screen needs it at start-up)."""

from __future__ import annotations


def passphrase_strength(p: str) -> str:
    """A short Vietnamese hint on how strong a passphrase is."""
    if not p:
        return ""
    kinds = sum([any(c.islower() for c in p), any(c.isupper() for c in p), any(c.isdigit() for c in p),
                 any(not c.isalnum() for c in p)])
    words = len([w for w in p.replace("-", " ").split() if w])
    if len(p) < 8:
        return "Yếu: quá ngắn (cần ít nhất 8 ký tự)."
    if len(p) >= 16 or words >= 3 or (len(p) >= 12 and kinds >= 3):
        return "Mạnh."
    if len(p) >= 10 and kinds >= 2:
        return "Khá. Dài hơn thì tốt hơn (ví dụ: ba, bốn từ ghép lại)."
    return "Trung bình: nên dài hơn hoặc thêm chữ số, ký hiệu."
