"""The Form Aduan Media Sosial (SOP step 2): what it accepts, and everything it must refuse."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from sigap.cases.models import Attachment, Complaint, Event, Status

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = datetime(2026, 11, 3, 14, 0, tzinfo=WIB)

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture(autouse=True)
def tuesday():
    with time_machine.travel(TUESDAY, tick=False):
        yield


@pytest.fixture
def operator(as_user, processor):
    return as_user(processor)


def form(**overrides):
    data = {
        "platform": "instagram",
        "permalink": "https://www.instagram.com/p/C0ffee/",
        "handle": "@warga_solo",
        "name": "Warga Solo",
        "contact": "0812 3456 7890",
        "text": "Lampu PJU di Jl. Slamet Riyadi mati sejak kemarin.",
        "posted_at": "2026-11-03T13:20",
        "links": "",
    }
    data.update(overrides)
    return data


def post(client, data, files=None):
    if files is not None:
        data = {**data, "files": files}
    return client.post(reverse("receive"), data)


def assert_nothing_saved():
    assert Complaint.objects.count() == 0
    assert Event.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_it_shows_the_form_in_indonesian(operator):
    response = operator.get(reverse("receive"))
    assert response.status_code == 200
    assert "Form Aduan Media Sosial" in response.text
    assert "Waktu unggah" in response.text


def test_it_receives_a_complaint_and_shows_its_tracking_number(operator, processor, agencies):
    response = post(operator, form(agency=agencies["DISHUB"].pk, confidential="on"))
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == reverse("complaint", args=[complaint.pk])
    assert complaint.status == Status.RECEIVED
    assert complaint.posted_at == datetime(2026, 11, 3, 13, 20, tzinfo=WIB)  # entered in WIB
    assert complaint.agency == agencies["DISHUB"] and complaint.confidential and not complaint.anonymous
    assert complaint.created_by == processor
    page = operator.get(response.url)
    assert complaint.tracking_number in page.text
    assert "nomor lacak" in page.text.lower()


def test_it_stores_checked_files_and_links(operator):
    files = [SimpleUploadedFile("foto.jpg", JPEG, "image/jpeg"), SimpleUploadedFile("layar.png", PNG, "image/png")]
    response = post(operator, form(links="https://instagram.com/p/1\n\nhttp://example.test/foto.jpg\n"), files)
    assert response.status_code == 302
    attachments = Complaint.objects.get().attachments.order_by("pk")
    assert [a.url for a in attachments if a.url] == ["https://instagram.com/p/1", "http://example.test/foto.jpg"]
    assert sorted(a.content_type for a in attachments if a.file) == ["image/jpeg", "image/png"]


def test_it_rejects_a_posted_time_in_the_future(operator):
    response = post(operator, form(posted_at="2026-11-03T14:30"))
    assert response.status_code == 200
    assert "tidak boleh di masa depan" in response.text
    assert_nothing_saved()


def test_it_rejects_a_posted_time_more_than_a_year_ago(operator):
    response = post(operator, form(posted_at="2025-10-01T10:00"))
    assert "lebih dari setahun" in response.text
    assert_nothing_saved()


def test_it_rejects_a_posted_time_that_is_not_a_time(operator):
    response = post(operator, form(posted_at="kemarin sore"))
    assert response.status_code == 200
    assert response.context["form"].errors["posted_at"]
    assert_nothing_saved()


def test_it_rejects_a_missing_text(operator):
    response = post(operator, form(text="   "))
    assert response.context["form"].errors["text"]
    assert_nothing_saved()


def test_it_rejects_a_post_link_that_is_not_a_url(operator):
    response = post(operator, form(permalink="bukan tautan"))
    assert "http:// atau https://" in response.text
    assert_nothing_saved()


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.test/a.jpg"])
def test_it_rejects_a_link_that_is_not_http(operator, link):
    response = post(operator, form(permalink=link))
    assert response.context["form"].errors["permalink"]
    response = post(operator, form(links=f"https://ok.test/1\n{link}"))
    assert response.context["form"].errors["links"]
    assert_nothing_saved()


def test_it_rejects_a_jpg_that_is_really_a_zip(operator):
    forged = SimpleUploadedFile("foto.jpg", b"PK\x03\x04" + b"\x00" * 100, "image/jpeg")
    response = post(operator, form(), [forged])
    assert "foto.jpg" in response.text and "bukan foto" in response.text
    assert_nothing_saved()


def test_it_rejects_a_jpg_that_is_really_a_program(operator):
    forged = SimpleUploadedFile("foto.jpg", b"MZ\x90\x00" + b"\x00" * 100, "image/jpeg")
    response = post(operator, form(), [SimpleUploadedFile("ok.png", PNG, "image/png"), forged])
    assert response.context["form"].errors["files"]
    assert_nothing_saved()


@override_settings(SIGAP_MAX_ATTACHMENT_BYTES=100)
def test_it_rejects_an_oversized_file(operator):
    response = post(operator, form(), [SimpleUploadedFile("besar.jpg", JPEG, "image/jpeg")])
    assert "besar.jpg" in response.text and "batasnya" in response.text
    assert_nothing_saved()


def test_it_rejects_too_many_attachments(operator):
    files = [SimpleUploadedFile(f"f{i}.png", PNG, "image/png") for i in range(6)]
    links = "\n".join(f"https://example.test/{i}" for i in range(5))
    response = post(operator, form(links=links), files)
    assert "Paling banyak 10 lampiran" in response.text
    assert_nothing_saved()


def test_it_rejects_an_unknown_agency(operator):
    response = post(operator, form(agency="999999"))
    assert response.context["form"].errors["agency"]
    assert_nothing_saved()


def test_it_rejects_an_unknown_platform(operator):
    response = post(operator, form(platform="friendster"))
    assert response.context["form"].errors["platform"]
    assert_nothing_saved()


def test_it_refuses_a_liaison(as_user, liaison_dishub):
    client = as_user(liaison_dishub)
    assert client.get(reverse("receive")).status_code == 403
    assert post(client, form()).status_code == 403
    assert_nothing_saved()


def test_it_refuses_a_supervisor(as_user, supervisor):
    assert post(as_user(supervisor), form()).status_code == 403
    assert_nothing_saved()


def test_it_refuses_a_body_over_two_megabytes(operator):
    response = post(operator, form(text="x" * (2 * 1024 * 1024 + 10)))
    assert response.status_code == 400
    assert_nothing_saved()


def test_it_shows_errors_in_english_when_english_is_chosen(operator):
    operator.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = post(operator, form(posted_at="2026-11-04T09:00"))
    assert "The time posted cannot be in the future." in response.text
    assert_nothing_saved()


def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.post(reverse("receive"), form())
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert_nothing_saved()
