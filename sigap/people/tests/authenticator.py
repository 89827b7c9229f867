"""An authenticator app, written from RFC 6238 (not from the code under test), for the tests."""

import hashlib
import hmac
import re
import struct
import time
from base64 import b32decode


def totp(key: str, at: float | None = None, digits: int = 6) -> str:
    """What a phone app shows for a base32 key at a Unix time (RFC 6238, SHA-1, 30 s)."""
    secret = b32decode(key.replace(" ", "").upper() + "=" * (-len(key.replace(" ", "")) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def key_on_page(html: str) -> str:
    """The key a person would type into the app, read off the enrolment page."""
    return re.search(r'<code class="enrol-key">([A-Z2-7 ]+)</code>', html).group(1)
