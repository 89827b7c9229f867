"""Uploaded attachments are judged by their bytes, never by their name or declared type."""

import hashlib
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Magic numbers of the kinds of evidence citizens send: photos, screenshots, short videos, letters.
_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"ftyp", 4, "video/mp4"),
]


def sniff(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for magic, offset, content_type in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return content_type
    return None


@dataclass
class CheckedUpload:
    name: str
    content_type: str
    size: int
    sha256: str
    file: IO[bytes]


def check_upload(upload) -> CheckedUpload:
    """Raise ValidationError (in the user's language) unless the upload is an allowed kind and size."""
    limit = settings.SIGAP_MAX_ATTACHMENT_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; the limit is %(limit)s.")
            % {"name": upload.name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": upload.name})
    upload.seek(0)
    head = upload.read(16)
    content_type = sniff(head)
    if content_type is None:
        raise ValidationError(
            _("“%(name)s” is not a photo (JPEG, PNG, GIF, WebP), an MP4 video or a PDF.") % {"name": upload.name}
        )
    digest = hashlib.sha256(head)
    for chunk in iter(lambda: upload.read(64 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(upload.name, content_type, upload.size, digest.hexdigest(), upload)
