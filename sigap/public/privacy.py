"""Masking personal data in text shown to the public (tracking page, Open311).

The SOP's national frame (Perpres 76/2013, SP4N-LAPOR!) keeps the complainant's identity out of
public view. Complaint texts are written by citizens and often carry their own or others'
names, phone numbers, NIK, e-mail, house numbers and vehicle plates: all are masked before a
text leaves the staff side. Street names stay, since the place is what the complaint is about.

Where sigap.triage.pii is installed its detector runs first (it checks NIK dates and plate
regions); these patterns always run after it and catch the rest.
"""

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

from sigap.lib.i18n import per_language

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_.]{2,30}")
# NIK: 16 digits, sometimes grouped by fours.
_NIK = re.compile(r"(?<![\d])\d{4}[ .-]?\d{4}[ .-]?\d{4}[ .-]?\d{4}(?![\d])")
# Indonesian phone numbers: +62 / 62 / 0 then 8–13 more digits, with or without separators.
_PHONE = re.compile(r"(?<![\w+(])(?:\(0\d{2,4}\)|(?:\+62|62|0)[\s.-]?\d{2,4})(?:[\s.-]?\d{2,5}){1,4}(?!\w)")
_RT_RW = re.compile(r"\b(RT|RW)\s?\.?\s?(?:\d{1,3})\b", re.IGNORECASE)
_HOUSE = re.compile(r"\b(No|Nomor|Nmr)\s?\.?\s?:?\s?\d+[A-Za-z]?(?:\s?/\s?\d+[A-Za-z]?)?", re.IGNORECASE)
_BLOCK = re.compile(r"\b(Blok)\s+[A-Z]{1,2}\s?-?\s?\d+\b", re.IGNORECASE)
# Vehicle plates (Surakarta: AD 1234 XY); letters must be capitals to keep ordinary words.
_PLATE = re.compile(r"\b(?!RT\b|RW\b|NO\b|JL\b|GG\b|KM\b)[A-Z]{1,2}\s?\d{1,4}\s?[A-Z]{1,3}\b")
_HONORIFIC = re.compile(
    r"\b(Pak|Bu|Bapak|Ibu|Mas|Mbak|Mba|Bang|Kak|Dik|Sdr\.?|Saudara|Saudari|Bpk\.?|Almarhum|Alm\.?)"
    r"\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
)
_SELF_NAME = re.compile(
    r"\b((?i:nama saya|saya bernama|nama sy|saya adalah|saya|sy|aku))\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
)
# Words after an honorific that name an office, not a person ("Pak Lurah", "Bu Camat").
_OFFICES = {
    "Lurah", "Camat", "Wali", "Walikota", "Wakil", "Wawali", "Kades", "Polisi", "Satpam", "Dokter", "Guru",
    "Kepala", "Kadis", "Presiden", "Gubernur", "Bupati", "Menteri", "Dinas", "Petugas", "Sopir", "Ketua",
    "Pejabat", "Admin", "Min", "Dewan", "Kapolres", "Kapolsek", "Sekda", "Rt", "Rw",
}
# Capitalised words that follow "saya" without being a name ("saya Mohon", "saya Warga").
_NOT_NAMES = {
    "Mohon", "Minta", "Mau", "Ingin", "Sudah", "Warga", "Tinggal", "Sangat", "Tidak", "Belum", "Juga", "Hanya",
    "Ingat", "Lihat", "Lapor", "Melapor", "Mengadu", "Kecewa", "Dari", "Di", "Ke", "Yang", "Sebagai", "Selaku",
}


def _label(kind: str) -> str:
    return _labels()[kind]


@per_language  # a page masks several texts, each with a dozen patterns
def _labels() -> dict[str, str]:
    return {
        "name": _("[name]"),
        "account": _("[account]"),
        "email": _("[e-mail]"),
        "link": _("[link]"),
        "nik": _("[NIK]"),
        "phone": _("[phone]"),
        "address": _("[address]"),
        "plate": _("[plate]"),
    }


def _phone(match: re.Match) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    return _label("phone") if 9 <= digits <= 15 else match.group(0)


def _honorific(match: re.Match) -> str:
    first = match.group(2).split()[0]
    if first in _OFFICES:
        return match.group(0)
    return f"{match.group(1)} {_label('name')}"


def _self_name(match: re.Match) -> str:
    if match.group(2).split()[0] in _NOT_NAMES | _OFFICES:
        return match.group(0)
    return f"{match.group(1)} {_label('name')}"


def _triage_mask(text: str) -> str:
    """Identifiers found by the triage component's detector, replaced whole by our labels.

    Its own mask_pii keeps part of each value for the desk ("0812****789"); the public gets
    none of it, so only its detection is used here. Our patterns run afterwards regardless.
    """
    try:
        from sigap.triage.pii import find_pii
    except ImportError:
        return text
    try:
        matches = find_pii(text)
        pieces, cursor = [], 0
        for match in matches:
            pieces.append(text[cursor : match.start])
            pieces.append(_label(match.kind) if match.kind in ("nik", "phone", "email", "plate") else _label("name"))
            cursor = match.end
        pieces.append(text[cursor:])
        return "".join(pieces)
    except Exception:  # a bug there must not stop the page; our own patterns still run
        return text


def mask(text: str, *, names: Iterable[str] = ()) -> str:
    """`text` with personal data replaced by labels such as [name] or [phone].

    `names` are strings known to identify the person (the complainant's name, handle and
    platform id); they are masked wherever they appear, case-insensitively.
    """
    if not text:
        return ""
    text = _triage_mask(text)
    for name in sorted({n.strip().lstrip("@") for n in names if n and len(n.strip().lstrip("@")) >= 3}, key=len, reverse=True):
        text = re.sub(r"@?" + re.escape(name), _label("name"), text, flags=re.IGNORECASE)
    text = _EMAIL.sub(_label("email"), text)
    text = _URL.sub(_label("link"), text)
    text = _HANDLE.sub(_label("account"), text)
    text = _NIK.sub(_label("nik"), text)
    text = _PHONE.sub(_phone, text)
    text = _RT_RW.sub(lambda m: f"{m.group(1)} {_label('address')}", text)
    text = _HOUSE.sub(lambda m: f"{m.group(1)} {_label('address')}", text)
    text = _BLOCK.sub(lambda m: f"{m.group(1)} {_label('address')}", text)
    text = _PLATE.sub(_label("plate"), text)
    text = _SELF_NAME.sub(_self_name, text)
    text = _HONORIFIC.sub(_honorific, text)
    return text


def mask_complaint_text(complaint, text: str | None = None) -> str:
    """A complaint's text (or another text about it, e.g. the answer) masked for the public."""
    names = [complaint.complainant_name, complaint.complainant_handle, complaint.complainant_id, complaint.contact]
    return mask(complaint.text if text is None else text, names=names)
