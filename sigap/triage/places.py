"""Places of Surakarta named in a message: kecamatan, kelurahan, main streets and landmarks.

Data: `data/wilayah.csv` (5 kecamatan, 54 kelurahan; see `data/ATTRIBUTION.md`) and the streets and
landmarks of the reference notes (§3.4), written out below.

Several kelurahan names are also ordinary words or common elsewhere ("Sumber" = source, "Sewu" =
thousand, "Bumi" = earth, "Tipes" = typhus, "Kampung Baru" = new village, "Mojo", "Joglo",
"Karangasem", "Semanggi"). Those are reported only with a cue: "kel."/"kelurahan" before the name,
or a capitalised name after a locative word ("di Sumber", "daerah Joglo").
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

WILAYAH_PATH = Path(__file__).resolve().parent / "data" / "wilayah.csv"

KECAMATAN = "kecamatan"
KELURAHAN = "kelurahan"
STREET = "jalan"
LANDMARK = "tempat"

# Kelurahan whose names are ordinary Indonesian/Javanese words or common place names elsewhere.
AMBIGUOUS_KELURAHAN = frozenset(
    {"Bumi", "Sewu", "Sumber", "Mojo", "Joglo", "Kampung Baru", "Jajar", "Tipes", "Gilingan", "Jagalan",
     "Pajang", "Semanggi", "Kauman", "Timuran", "Gajahan", "Karangasem", "Kerten", "Sangkrah", "Ketelan"}
)
# Spellings seen locally (reference §3.3), mapped to the wilayah.csv name.
KELURAHAN_VARIANTS = {
    "Pucangsawit": "Pucang Sawit",
    "Kedunglumbu": "Kedung Lumbu",
    "Stabelan": "Setabelan",
    "Pasarkliwon": "Pasar Kliwon",
    "Kampungbaru": "Kampung Baru",
}

# Streets (reference §3.4). One-word names need "jl."/"jalan" before them; longer names are
# distinctive enough alone. Aliases are the short forms people write.
STREETS: dict[str, tuple[str, ...]] = {
    "Jl. Brigjen Slamet Riyadi": ("brigjen slamet riyadi", "slamet riyadi", "s riyadi"),
    "Jl. Jenderal Sudirman": ("jenderal sudirman", "jend sudirman", "jendral sudirman", "sudirman"),
    "Jl. Mayor Kusmanto": ("mayor kusmanto", "kusmanto"),
    "Jl. Kapten Mulyadi": ("kapten mulyadi", "kapt mulyadi", "mulyadi"),
    "Jl. Veteran": ("veteran",),
    "Jl. Yos Sudarso": ("yos sudarso",),
    "Jl. Pakoe Boewono": ("pakoe boewono", "pakubuwono", "paku buwono"),
    "Jl. Supit Urang": ("supit urang",),
    "Jl. Kyai Mojo": ("kyai mojo", "kyai modjo", "kh mojo"),
    "Jl. Ir. Sutami": ("ir sutami", "sutami"),
    "Jl. Tentara Pelajar": ("tentara pelajar",),
    "Jl. Brigjen Katamso": ("brigjen katamso", "katamso"),
    "Jl. Ahmad Yani": ("ahmad yani", "a yani", "achmad yani"),
    "Jl. Letjen Suprapto": ("letjen suprapto", "suprapto"),
    "Jl. Ki Mangun Sarkoro": ("ki mangun sarkoro", "mangun sarkoro", "mangunsarkoro"),
    "Jl. Kolonel Sutarto": ("kolonel sutarto", "kol sutarto", "sutarto"),
    "Jl. Urip Sumoharjo": ("urip sumoharjo",),
    "Jl. Wolter Monginsidi": ("wolter monginsidi", "monginsidi"),
    "Jl. Dr. Radjiman": ("dr radjiman", "dokter radjiman", "radjiman", "dr rajiman", "rajiman"),
    "Jl. Bhayangkara": ("bhayangkara",),
    "Jl. Honggowongso": ("honggowongso",),
    "Jl. Gatot Subroto": ("gatot subroto", "gatsu"),
    "Jl. Hasanuddin": ("hasanuddin",),
    "Jl. Teuku Umar": ("teuku umar",),
    "Jl. Ronggowarsito": ("ronggowarsito",),
    "Jl. Gajah Mada": ("gajah mada", "gajahmada"),
}

# Landmarks (reference §3.4 and well-known public places). Kecamatan only where certain.
LANDMARKS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "Gladag": (("gladag",), "Pasar Kliwon"),
    "Nonongan": (("nonongan",), None),
    "Simpang Baturono": (("baturono",), None),
    "Jembatan Jurug": (("jembatan jurug",), "Jebres"),
    "Taman Jurug": (("taman jurug", "tstj", "solo safari"), "Jebres"),
    "Gendengan": (("gendengan",), None),
    "Pasar Gede": (("pasar gede", "pasar gedhe"), "Jebres"),
    "Pasar Klewer": (("pasar klewer", "klewer"), "Pasar Kliwon"),
    "Pasar Legi": (("pasar legi",), "Banjarsari"),
    "Terminal Tirtonadi": (("tirtonadi",), "Banjarsari"),
    "Stasiun Solo Balapan": (("solo balapan", "stasiun balapan"), "Banjarsari"),
    "Stasiun Purwosari": (("stasiun purwosari",), "Laweyan"),
    "Stadion Manahan": (("stadion manahan",), "Banjarsari"),
    "Taman Sriwedari": (("taman sriwedari", "stadion sriwedari"), "Laweyan"),
    "Keraton Kasunanan": (("keraton", "kraton", "karaton"), "Pasar Kliwon"),
    "Pura Mangkunegaran": (("mangkunegaran", "pura mangkunegaran"), "Banjarsari"),
    "Balai Kota": (("balai kota", "balaikota"), None),
    "Mal Pelayanan Publik": (("mal pelayanan publik", "mall pelayanan publik"), None),
    "Benteng Vastenburg": (("vastenburg",), "Pasar Kliwon"),
    "Taman Balekambang": (("balekambang",), "Banjarsari"),
}

_KELURAHAN_CUES = ("kelurahan", "kel", "kalurahan", "desa")
_KECAMATAN_CUES = ("kecamatan", "kec")
_STREET_CUES = ("jalan", "jln", "jl")
_LOCATIVE_WORDS = frozenset("di ke dari daerah wilayah sekitar dekat kawasan kampung warga area depan belakang".split())


@dataclass(frozen=True)
class Place:
    kind: str
    name: str
    kecamatan: str | None


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    place: Place


@lru_cache(maxsize=1)
def wilayah() -> dict[str, str]:
    """Kelurahan name → kecamatan, from the shipped wilayah.csv."""
    with WILAYAH_PATH.open(encoding="utf-8", newline="") as handle:
        return {row["kelurahan"]: row["kecamatan"] for row in csv.DictReader(handle)}


def kecamatan_names() -> list[str]:
    return sorted(set(wilayah().values()))


def _name_pattern(name: str) -> str:
    """'Pucang Sawit' matches 'pucang sawit', 'Pucang-Sawit' and 'pucangsawit'."""
    return r"[\s\-]?".join(re.escape(part) for part in name.split())


def _cue(words: tuple[str, ...]) -> str:
    return r"(?:" + "|".join(words) + r")\.?\s*"


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern, str]]:
    """(compiled pattern, what it finds) pairs; built once."""
    patterns: list[tuple[re.Pattern, str]] = []
    names = list(wilayah()) + kecamatan_names() + list(KELURAHAN_VARIANTS)
    alternatives = "|".join(_name_pattern(name) for name in sorted(set(names), key=len, reverse=True))
    # <cue?><name>: the cue decides between kecamatan and kelurahan for names that are both.
    cues = rf"(?:{_cue(_KECAMATAN_CUES)})|(?:{_cue(_KELURAHAN_CUES)})"
    area = re.compile(rf"(?<!\w)(?P<cue>{cues})?(?P<name>{alternatives})(?!\w)", re.IGNORECASE)
    patterns.append((area, "area"))
    for canonical, aliases in STREETS.items():
        alias_re = "|".join(_name_pattern(alias) for alias in sorted(aliases, key=len, reverse=True))
        street = re.compile(rf"(?<!\w)(?P<cue>{_cue(_STREET_CUES)})?(?P<name>{alias_re})(?!\w)", re.IGNORECASE)
        patterns.append((street, f"street:{canonical}"))
    for canonical, (aliases, _) in LANDMARKS.items():
        alias_re = "|".join(_name_pattern(alias) for alias in sorted(aliases, key=len, reverse=True))
        patterns.append((re.compile(rf"(?<!\w)(?P<name>{alias_re})(?!\w)", re.IGNORECASE), f"landmark:{canonical}"))
    return patterns


def _canonical_area(written: str) -> str | None:
    squeezed = re.sub(r"[\s\-]+", "", written).lower()
    for name in list(wilayah()) + kecamatan_names() + list(KELURAHAN_VARIANTS):
        if name.replace(" ", "").lower() == squeezed:
            return KELURAHAN_VARIANTS.get(name, name)
    return None


def _preceded_by_locative(text: str, start: int) -> bool:
    before = re.findall(r"\w+", text[max(0, start - 20) : start].lower())
    return bool(before) and before[-1] in _LOCATIVE_WORDS


def _area_hit(text: str, match: re.Match) -> _Hit | None:
    name = _canonical_area(match.group("name"))
    if name is None:
        return None
    cue = (match.group("cue") or "").strip(" .").lower()
    kelurahan_map = wilayah()
    start = match.start("cue") if cue else match.start("name")
    if cue in _KECAMATAN_CUES and name in kecamatan_names():
        return _Hit(start, match.end(), Place(KECAMATAN, name, name))
    if name not in kelurahan_map:  # a kecamatan that is not also a kelurahan (none today)
        return _Hit(start, match.end(), Place(KECAMATAN, name, name))
    if cue in _KELURAHAN_CUES:
        return _Hit(start, match.end(), Place(KELURAHAN, name, kelurahan_map[name]))
    if name in kecamatan_names():
        # Bare "Jebres": the kecamatan is right whether the writer meant it or its kelurahan.
        return _Hit(start, match.end(), Place(KECAMATAN, name, name))
    if name in AMBIGUOUS_KELURAHAN:
        written = match.group("name")
        if not (written[:1].isupper() and _preceded_by_locative(text, match.start("name"))):
            return None
    return _Hit(start, match.end(), Place(KELURAHAN, name, kelurahan_map[name]))


def _street_hit(match: re.Match, canonical: str) -> _Hit | None:
    has_cue = bool(match.group("cue"))
    one_word = len(match.group("name").split()) == 1
    if one_word and not has_cue:
        return None
    start = match.start("cue") if has_cue else match.start("name")
    return _Hit(start, match.end(), Place(STREET, canonical, None))


def _all_hits(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for pattern, what in _patterns():
        for match in pattern.finditer(text):
            if what == "area":
                hit = _area_hit(text, match)
            elif what.startswith("street:"):
                hit = _street_hit(match, what.split(":", 1)[1])
            else:
                canonical = what.split(":", 1)[1]
                hit = _Hit(match.start(), match.end(), Place(LANDMARK, canonical, LANDMARKS[canonical][1]))
            if hit:
                hits.append(hit)
    return hits


def find_places(text: str | None) -> list[Place]:
    """Places in reading order, each once; a longer match wins over one inside it ("Pasar Legi" over "Legi")."""
    if not text:
        return []
    chosen: list[_Hit] = []
    for hit in sorted(_all_hits(text), key=lambda h: (-(h.end - h.start), h.start)):
        if all(hit.end <= other.start or hit.start >= other.end for other in chosen):
            chosen.append(hit)
    seen: set[Place] = set()
    places: list[Place] = []
    for hit in sorted(chosen, key=lambda h: h.start):
        if hit.place not in seen:
            seen.add(hit.place)
            places.append(hit.place)
    return places
