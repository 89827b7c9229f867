"""Personal identifiers in complaint text: NIK, phone numbers, e-mail addresses, vehicle plates.

Complaints are published back on social media and shown to agency liaisons; the desk must see
identifiers before it does that. `find_pii` lists them with their spans, `mask_pii` hides the
middle of each while keeping enough to recognise it ("3372********0001", "0812****789",
"a***@gmail.com", "AD **** XY").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NIK = "nik"
PHONE = "phone"
EMAIL = "email"
PLATE = "plate"

# First two digits of a NIK: the province (BPS/Kemendagri codes, including the 2022 Papua split).
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 71 72 73 74 75 76 81 82 "
    "91 92 93 94 95 96 97".split()
)

# Region letters of Indonesian plates (Polri). Surakarta and the ex-residency of Surakarta use AD.
PLATE_REGIONS = frozenset(
    "A B D E F G H K L M N P R S T W Z AA AB AD AE AG BA BB BD BE BG BH BK BL BM BN BP DA DB DC DD DE DG DH "
    "DK DL DM DN DR DS DT DW EA EB ED KB KH KT KU PA PB PG PT PY".split()
)
# Lower-case words that would otherwise pass as plate suffixes in "b 12 dan"-like text.
_NOT_PLATE_SUFFIX = frozenset("dan di ke yg ya rt rw no nya kak min pak bu jam thn th hari ini itu".split())

_NIK_RE = re.compile(r"(?<![\d.-])\d(?:[ .-]?\d){15}(?![\d])")
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+62|62|0)[\s.-]?8\d{1,2}(?:[\s.-]?\d){6,10}(?!\d)")
_LANDLINE_RE = re.compile(r"(?<![\w+])(?:\(0\d{2,3}\)|0\d{2,3}-|\+62[\s-]?\d{2,3}[\s-])\s?\d{3,4}[\s-]?\d{3,4}(?!\d)")
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_PLATE_RE = re.compile(r"\b([A-Za-z]{1,2})[ -]?(\d{1,4})[ -]?([A-Za-z]{1,3})?\b")


@dataclass(frozen=True)
class PiiMatch:
    kind: str
    start: int
    end: int
    value: str


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def is_plausible_nik(digits: str) -> bool:
    """16 digits: province, regency, district, birth date (day + 40 for women), serial ≥ 0001."""
    if len(digits) != 16 or digits[:2] not in PROVINCE_CODES:
        return False
    if digits[2:4] == "00" or digits[4:6] == "00":
        return False
    day, month = int(digits[6:8]), int(digits[8:10])
    day = day - 40 if day > 40 else day
    return 1 <= day <= 31 and 1 <= month <= 12 and digits[12:] != "0000"


def _find_niks(text: str) -> list[PiiMatch]:
    return [
        PiiMatch(NIK, m.start(), m.end(), m.group())
        for m in _NIK_RE.finditer(text)
        if is_plausible_nik(_digits(m.group()))
    ]


def _find_phones(text: str) -> list[PiiMatch]:
    found = [PiiMatch(PHONE, m.start(), m.end(), m.group()) for m in _PHONE_RE.finditer(text)]
    found += [PiiMatch(PHONE, m.start(), m.end(), m.group()) for m in _LANDLINE_RE.finditer(text)]
    return [match for match in found if 9 <= len(_digits(match.value)) <= 14]


def _find_emails(text: str) -> list[PiiMatch]:
    return [PiiMatch(EMAIL, m.start(), m.end(), m.group()) for m in _EMAIL_RE.finditer(text)]


def _looks_like_plate(region: str, digits: str, suffix: str | None) -> bool:
    if region.upper() not in PLATE_REGIONS:
        return False
    if region.isupper() and (suffix is None or suffix.isupper()):
        return suffix is not None or len(digits) >= 3
    # Lower-case text ("ad 1234 xy"): only with a suffix that is not an ordinary word.
    return suffix is not None and len(digits) >= 3 and suffix.lower() not in _NOT_PLATE_SUFFIX


def _find_plates(text: str) -> list[PiiMatch]:
    found = []
    for m in _PLATE_RE.finditer(text):
        region, digits, suffix = m.group(1), m.group(2), m.group(3)
        if _looks_like_plate(region, digits, suffix):
            found.append(PiiMatch(PLATE, m.start(), m.end(), m.group()))
    return found


def _without_overlaps(matches: list[PiiMatch]) -> list[PiiMatch]:
    """Earlier-listed kinds win an overlap (a NIK is never also read as a phone number)."""
    kept: list[PiiMatch] = []
    for match in matches:
        if all(match.end <= other.start or match.start >= other.end for other in kept):
            kept.append(match)
    return sorted(kept, key=lambda match: match.start)


def find_pii(text: str | None) -> list[PiiMatch]:
    """Every NIK, phone number, e-mail address and vehicle plate in the text, in reading order."""
    if not text:
        return []
    return _without_overlaps(_find_emails(text) + _find_niks(text) + _find_phones(text) + _find_plates(text))


def mask_value(match: PiiMatch) -> str:
    if match.kind == NIK:
        digits = _digits(match.value)
        return digits[:4] + "*" * 8 + digits[-4:]
    if match.kind == PHONE:
        compact = ("+" if match.value.lstrip("(").startswith("+") else "") + _digits(match.value)
        return compact[:4] + "****" + compact[-3:]
    if match.kind == EMAIL:
        local, _, domain = match.value.partition("@")
        return local[:1] + "***@" + domain
    parts = _PLATE_RE.fullmatch(match.value)
    region, digits, suffix = parts.group(1), parts.group(2), parts.group(3)
    return " ".join(filter(None, [region.upper(), "*" * len(digits), suffix.upper() if suffix else None]))


def mask_pii(text: str | None) -> str:
    """The text with each identifier's middle replaced by asterisks."""
    if not text:
        return text or ""
    pieces: list[str] = []
    cursor = 0
    for match in find_pii(text):
        pieces.append(text[cursor : match.start])
        pieces.append(mask_value(match))
        cursor = match.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def pii_kinds(text: str | None) -> list[str]:
    """The distinct kinds found, in a stable order."""
    found = {match.kind for match in find_pii(text)}
    return [kind for kind in (NIK, PHONE, EMAIL, PLATE) if kind in found]
