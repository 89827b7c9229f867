"""Normalisation of Indonesian social-media text for triage and routing.

Citizens write to the desk the way they write on social media: lower or mixed case, links,
@mentions, emoji, stretched letters ("tolongggg"), reduplication written as "2" ("jalan2"),
and slang or abbreviations ("gk", "udh", "tdk", "mhn"). The classifiers see text through
`normalize`, so the same complaint written formally or informally lands on the same features.

Slang comes from two lexicons, merged with ours winning:
- `data/combined_slang_words.txt`: Louis Owen's compilation (MIT, see `data/ATTRIBUTION.md`),
  minus entries that would damage complaint text (e.g. it maps "aspal" — asphalt — to
  "asli tetapi palsu", and "ka" — kereta api — to "kakak");
- `SIGAP_SLANG` below: our own additions for forms common in complaints and missing there.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

# Placeholder tokens: plain ASCII words, so that both word and character n-grams keep them whole.
URL_TOKEN = "xurl"
MENTION_TOKEN = "xmention"
EMAIL_TOKEN = "xemail"
PHONE_TOKEN = "xphone"
NUMBER_TOKEN = "xnumber"
NIK_TOKEN = "xnik"
EMOJI_POSITIVE = "xemojipos"
EMOJI_NEGATIVE = "xemojineg"
EMOJI_OTHER = "xemoji"
LAUGH_TOKEN = "haha"

# Our own slang additions (project licence). Forms frequent in complaints to city desks and
# in customer-care mentions, which the MIT list lacks or maps differently.
SIGAP_SLANG: dict[str, str] = {
    "ga": "tidak", "gak": "tidak", "gk": "tidak", "g": "tidak", "nggak": "tidak", "ngga": "tidak",
    "enggak": "tidak", "engga": "tidak", "kagak": "tidak", "tdk": "tidak", "tak": "tidak", "ndak": "tidak",
    "gaada": "tidak ada", "gada": "tidak ada", "gabisa": "tidak bisa", "gbisa": "tidak bisa",
    "udh": "sudah", "udah": "sudah", "sdh": "sudah", "dah": "sudah", "sudh": "sudah", "uda": "sudah",
    "blm": "belum", "blom": "belum", "belom": "belum", "lom": "belum",
    "gmn": "bagaimana", "gmna": "bagaimana", "gimana": "bagaimana", "bgmn": "bagaimana", "gmana": "bagaimana",
    "knp": "kenapa", "knpa": "kenapa", "napa": "kenapa", "kpn": "kapan", "brp": "berapa", "dmn": "di mana",
    "dimana": "di mana", "mana": "mana",
    "min": "admin", "mimin": "admin", "minn": "admin", "adm": "admin",
    "kak": "kakak", "kaka": "kakak", "sis": "kakak", "sist": "kakak", "gan": "kakak",
    "mhn": "mohon", "mohn": "mohon", "tlg": "tolong", "tolongin": "tolong", "plis": "tolong", "pls": "tolong",
    "please": "tolong",
    "trims": "terima kasih", "makasih": "terima kasih", "makasi": "terima kasih", "mksh": "terima kasih",
    "mks": "terima kasih", "thx": "terima kasih", "tq": "terima kasih", "thanks": "terima kasih",
    "thank": "terima kasih", "terimakasih": "terima kasih", "trimakasih": "terima kasih", "suwun": "terima kasih",
    "maturnuwun": "terima kasih", "nuwun": "terima kasih", "tks": "terima kasih",
    "yg": "yang", "dgn": "dengan", "dg": "dengan", "utk": "untuk", "u/": "untuk", "krn": "karena",
    "karna": "karena", "tp": "tapi", "tpi": "tapi", "jg": "juga", "jga": "juga", "sy": "saya", "aq": "saya",
    "aku": "saya", "gue": "saya", "gw": "saya", "sya": "saya", "kmrn": "kemarin", "kemaren": "kemarin",
    "skrg": "sekarang", "skrng": "sekarang", "skr": "sekarang", "sekrg": "sekarang", "bsk": "besok",
    "lg": "lagi", "lgi": "lagi", "msh": "masih", "masi": "masih", "bs": "bisa", "bsa": "bisa", "bisa2": "bisa",
    "dr": "dari", "dri": "dari", "pd": "pada", "dlm": "dalam", "sm": "sama",
    "klo": "kalau", "kalo": "kalau", "kl": "kalau", "klw": "kalau", "jd": "jadi", "jdi": "jadi",
    "trs": "terus", "trus": "terus", "bgt": "banget", "bngt": "banget", "aja": "saja", "aj": "saja",
    "sampe": "sampai", "smpe": "sampai", "pake": "pakai", "pakek": "pakai", "dpt": "dapat",
    "dapet": "dapat", "tau": "tahu", "tw": "tahu", "gatau": "tidak tahu", "gtau": "tidak tahu",
    "ngurus": "mengurus", "nyampah": "buang sampah", "bnyk": "banyak", "byk": "banyak", "org": "orang",
    "jln": "jalan", "jl": "jalan", "jalanan": "jalan", "rmh": "rumah", "tgl": "tanggal", "thn": "tahun",
    "bln": "bulan", "hr": "hari", "jam2": "jam", "kmn": "ke mana", "kemana": "ke mana", "hrs": "harus",
    "hrus": "harus", "gpp": "tidak apa-apa", "btw": "ngomong-ngomong", "infonya": "informasi",
    "info": "informasi", "infokan": "informasikan", "mnt": "minta", "minta": "minta", "rusak2": "rusak",
    "lobang": "lubang", "bolong": "lubang", "berlobang": "berlubang", "mampet": "tersumbat",
    "buntu": "tersumbat", "ampun": "ampun", "parah": "parah", "lemot": "lambat", "lelet": "lambat",
    "telat": "terlambat", "ngaret": "terlambat", "eror": "error", "erorr": "error", "err": "error",
    "dibales": "dibalas", "bales": "balas", "bls": "balas", "blsn": "balasan", "respon": "respons",
    "respond": "respons", "tanggepin": "tanggapi", "ditanggepin": "ditanggapi", "ortu": "orang tua",
    "wkwk": LAUGH_TOKEN, "wkwkwk": LAUGH_TOKEN, "haha": LAUGH_TOKEN, "hehe": LAUGH_TOKEN, "hihi": LAUGH_TOKEN,
    "xixi": LAUGH_TOKEN, "kwkw": LAUGH_TOKEN, "awokwok": LAUGH_TOKEN, "lol": LAUGH_TOKEN,
    # Javanese forms common in Solo
    "ora": "tidak", "mboten": "tidak", "durung": "belum", "dereng": "belum", "wis": "sudah",
    "sampun": "sudah", "piye": "bagaimana", "pripun": "bagaimana", "kapan": "kapan", "nopo": "apa",
    "opo": "apa", "dalan": "jalan", "dalane": "jalan", "ndalan": "jalan", "omah": "rumah", "ngarep": "depan",
    "nggih": "iya", "injih": "iya",
    "monggo": "silakan", "mangga": "silakan", "sugeng": "selamat", "enjing": "pagi", "mas": "mas",
}

# Entries of the MIT list that map an ordinary or domain word to something else, or a
# single letter / English word to an Indonesian one; applying them would corrupt complaints.
LEXICON_EXCLUDE: frozenset[str] = frozenset(
    """@ aspal asem can d k n u y mw tilang ka ed re red reg pro teh usah penertiban light most still less
    setting seting next happy rights solve ikon tren sept sma bu_bu wat mak ex fax tipi hum ul ts bt pw mt np
    ol cp de lam lamp la ja gr ha ru suk ce ay bl lp tar urang awak maneh naon keneh bisi item buaya kw
    telkom tipiwan malah calo pk ath atuh kab kec kel ne sni bisi zonk tahi koar paranoid kk asap cabut aka
    tirani problem
    humz hardcore watuk parte ikon gaada kimpoi kentot ngentotin tokai taik bokep bohay""".split()
)

_URL_RE = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|id|co|net|org|ly|me)/\S*", re.IGNORECASE)
_EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_MENTION_RE = re.compile(r"(?<![\w@])@\w{1,30}")
_PLACEHOLDER_RE = re.compile(r"\[(NOMOR_TELEPON|NIK|NOMOR|EMAIL)\]")
_PLACEHOLDERS = {"NOMOR_TELEPON": PHONE_TOKEN, "NIK": NIK_TOKEN, "NOMOR": NUMBER_TOKEN, "EMAIL": EMAIL_TOKEN}
_PHONE_RE = re.compile(r"(?<!\d)(?:\+62|62|0)8\d(?:[\s.-]?\d){6,11}(?!\d)")
_LONG_NUMBER_RE = re.compile(r"(?<!\d)\d(?:[\s.-]?\d){8,}(?!\d)")
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")
_REDUP_RE = re.compile(r"\b([a-z]{3,})2\b")
_LAUGH_RE = re.compile(r"\b(?:w?k?(?:wk){2,}\w*|(?:ha){2,}h?|(?:he){2,}h?|(?:hi){2,}h?|(?:xi){2,})\b")
_WORD_CHAR = r"(?:[^\W_]|[\u0300-\u036f\ua980-\ua9df])"
_TOKEN_RE = re.compile(rf"{_WORD_CHAR}+(?:-{_WORD_CHAR}+)*|[?!]")

# Emoji grouped by what they tell the triage step: thanks/praise versus anger/distress.
_POSITIVE_EMOJI = set("🙏👍👏😊😀😁😃😄😍🥰😘❤💕💖💗💙💚💛💜🤗✨🎉👌🙂☺🤩💯🌹")
_NEGATIVE_EMOJI = set("😡😠🤬😤😭😢😞😔😩😫😒🙄😑😐💔👎😱😨😰😥😓🤦😖😣")


def _is_emoji(char: str) -> bool:
    code = ord(char)
    return (
        0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or 0x2B00 <= code <= 0x2BFF
        or code in (0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D)
    )


def _emoji_token(char: str) -> str:
    if char in _POSITIVE_EMOJI:
        return EMOJI_POSITIVE
    if char in _NEGATIVE_EMOJI:
        return EMOJI_NEGATIVE
    return EMOJI_OTHER


@lru_cache(maxsize=1)
def slang_lexicon() -> dict[str, str]:
    """Merged slang → standard map: the MIT list minus harmful entries, then ours on top."""
    path = DATA_DIR / "combined_slang_words.txt"
    external: dict[str, str] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    merged = {
        key.lower(): " ".join(_TOKEN_RE.findall(value.lower()))  # "narkotika, psikotropika" loses its comma
        for key, value in external.items()
        if key.lower() not in LEXICON_EXCLUDE and re.fullmatch(r"[a-z0-9]+", key.lower())
    }
    merged.update(SIGAP_SLANG)
    return merged


def replace_emoji(text: str) -> str:
    """Each emoji becomes a spaced token; variation selectors and joiners vanish."""
    out: list[str] = []
    for char in text:
        if _is_emoji(char):
            out.append(f" {_emoji_token(char)} ")
        elif char in "\ufe0f\u200d\u20e3":
            continue
        else:
            out.append(char)
    return "".join(out)


def mask_entities(text: str) -> str:
    """URLs, e-mails, mentions, phone and long numbers become placeholder tokens.

    Done before lower-casing and tokenising so that the e-mail's "@" is not read as a mention and a
    phone number's separators do not split it into several numbers.
    """
    text = _PLACEHOLDER_RE.sub(lambda m: f" {_PLACEHOLDERS[m.group(1)]} ", text)
    text = _URL_RE.sub(f" {URL_TOKEN} ", text)
    text = _EMAIL_RE.sub(f" {EMAIL_TOKEN} ", text)
    text = _MENTION_RE.sub(f" {MENTION_TOKEN} ", text)
    text = _PHONE_RE.sub(f" {PHONE_TOKEN} ", text)
    return _LONG_NUMBER_RE.sub(f" {NUMBER_TOKEN} ", text)


def squeeze_repeats(text: str) -> str:
    """'tolongggg' → 'tolong', 'bangeeet' → 'banget': Indonesian never triples a letter."""
    return _REPEAT_RE.sub(r"\1", text)


def expand_reduplication(text: str) -> str:
    """'jalan2' → 'jalan jalan': the digit 2 marks a doubled word."""
    return _REDUP_RE.sub(r"\1 \1", text)


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens (letters/digits, inner hyphens kept) plus '?' and '!'."""
    return _TOKEN_RE.findall(text)


def normalize_tokens(text: str, *, use_lexicon: bool = True) -> list[str]:
    """The normalised token list; see `normalize`."""
    text = html.unescape(unicodedata.normalize("NFKC", text or ""))
    text = mask_entities(replace_emoji(text)).lower()
    text = expand_reduplication(squeeze_repeats(text))
    text = _LAUGH_RE.sub(f" {LAUGH_TOKEN} ", text)
    text = text.replace("#", " ")
    tokens = tokenize(text)
    if not use_lexicon:
        return tokens
    lexicon = slang_lexicon()
    out: list[str] = []
    for token in tokens:
        out.extend(lexicon.get(token, token).split())
    return out


def normalize(text: str, *, use_lexicon: bool = True) -> str:
    """Lower-cased, placeholder-masked, de-stretched, de-slanged text joined by single spaces.

    >>> normalize("Min, jalan2 di @pemkot_solo RUSAKKK bgt 😡 https://t.co/x")
    'admin jalan jalan di xmention rusak banget xemojineg xurl'
    """
    return " ".join(normalize_tokens(text, use_lexicon=use_lexicon))
