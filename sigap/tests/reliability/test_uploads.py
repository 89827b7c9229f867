"""Uploads are judged by their bytes, never by their name or declared type, and limited in size."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from sigap.cases.attachments import check_upload, sniff
from sigap.cases.models import Attachment
from sigap.tests.reliability.conftest import FIGURES, PROFILE
from sigap.tests.reliability.test_hostile_forms import MAGIC


@PROFILE
@given(
    head=st.sampled_from(MAGIC + [b"MZ\x90\x00", b"PK\x03\x04", b"<html><script>", b"#!/bin/sh\n"]),
    rest=st.binary(max_size=400),
    name=st.sampled_from(["foto.jpg", "surat.pdf", "x.php", "a.html", "../../x", "noext"]),
    declared=st.sampled_from(["image/jpeg", "application/pdf", "text/html", ""]),
)
def test_an_upload_is_accepted_exactly_when_its_bytes_are_an_allowed_kind_within_the_limit(
    head, rest, name, declared, settings
):
    settings.SIGAP_MAX_ATTACHMENT_BYTES = 300
    content = head + rest
    upload = SimpleUploadedFile(name, content, content_type=declared)
    kind = sniff(content[:16])
    try:
        checked = check_upload(upload)
    except ValidationError as exc:
        assert kind is None or len(content) > 300 or not content, exc
        assert upload.name in str(exc.messages[0])  # it names the file (its base name), in the user's language
    else:
        assert kind is not None and 0 < len(content) <= 300
        assert checked.content_type == kind  # what the bytes are, not what the browser said
        assert checked.sha256 == hashlib.sha256(content).hexdigest()
    FIGURES["generated uploads"] += 1


@pytest.mark.django_db
def test_a_polyglot_is_stored_under_its_hash_and_served_as_what_it_is(processor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # JPEG magic followed by HTML: stored as a JPEG, never served as a page that could run its script.
    content = b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>"
    client = Client()
    client.force_login(processor)
    response = client.post("/aduan/baru/", {
        "platform": "instagram", "text": "Foto jalan rusak", "posted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "files": [SimpleUploadedFile("../../halaman.html", content, content_type="text/html")],
    })  # fmt: skip
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    digest = hashlib.sha256(content).hexdigest()
    assert attachment.file.name == f"attachments/{digest[:2]}/{digest}" and attachment.content_type == "image/jpeg"
    served = client.get(f"/aduan/{attachment.complaint_id}/lampiran/{attachment.pk}/")
    assert served["Content-Type"] == "image/jpeg" and served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
