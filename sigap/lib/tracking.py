"""Tracking numbers (nomor lacak): short, readable aloud, with a check character.

Body: 8 characters from a 31-symbol alphabet (no I, L, O, U, Z: they read like 1, 0, V, 2),
the last of which is a check character. 31 is prime and every position has a distinct
non-zero weight, so any single wrong character and any swap of two neighbours changes the
check: both are caught. Shown as PREFIX-XXXX-XXXX, e.g. SKA-7K3M-9QX4.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXY"
BASE = len(ALPHABET)  # 31, prime
RANDOM_LENGTH = 7  # 31**7 ≈ 2.75e10 numbers: too many to guess one
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# What people type for what they see.
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V", "Z": "2"})


def check_char(body: str) -> str:
    total = sum((i + 1) * _VALUE[c] for i, c in enumerate(body))
    # Choose c so that the weighted sum including the check position is 0 mod 31.
    weight = len(body) + 1
    return ALPHABET[(-total * pow(weight, -1, BASE)) % BASE]


def generate(prefix: str) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return format_number(prefix, body + check_char(body))


def format_number(prefix: str, code: str) -> str:
    return f"{prefix}-{code[:4]}-{code[4:]}"


def split(number: str, prefix: str) -> str | None:
    """The 8-character code of what a person typed, or None if it cannot be one of ours."""
    cleaned = "".join(ch for ch in number.upper() if ch.isalnum())
    if cleaned.startswith(prefix.upper()):
        cleaned = cleaned[len(prefix) :]
    cleaned = cleaned.translate(_CONFUSABLE)
    if len(cleaned) != RANDOM_LENGTH + 1 or any(c not in _VALUE for c in cleaned):
        return None
    return cleaned


def is_valid(code: str) -> bool:
    return len(code) == RANDOM_LENGTH + 1 and all(c in _VALUE for c in code) and check_char(code[:-1]) == code[-1]


def normalize(number: str, prefix: str) -> str | None:
    """The canonical form of a typed number if its check character holds, else None."""
    code = split(number, prefix)
    return format_number(prefix, code) if code and is_valid(code) else None


def near_misses(number: str, prefix: str) -> list[str]:
    """Valid numbers one typo or one neighbour swap away: candidates for "did you mean"."""
    code = split(number, prefix)
    if code is None:
        return []
    found = set()
    for i in range(len(code)):
        for c in ALPHABET:
            candidate = code[:i] + c + code[i + 1 :]
            if candidate != code and is_valid(candidate):
                found.add(candidate)
        if i + 1 < len(code):
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            if swapped != code and is_valid(swapped):
                found.add(swapped)
    return sorted(format_number(prefix, c) for c in found)
