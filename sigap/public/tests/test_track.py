"""The public tracking page: plain-language progress, nothing personal, no enumeration."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from sigap.cases import actions
from sigap.cases.models import Status
from sigap.lib import tracking

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = datetime(2026, 11, 3, 14, 0, tzinfo=WIB)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def travel():
    with time_machine.travel(TUESDAY, tick=False) as t:
        yield t


@pytest.fixture
def complaint(make_complaint, walk_to):
    made = make_complaint(
        text="Lampu PJU di Jl. Slamet Riyadi No. 12 mati. Hubungi saya 0812-3456-7890, NIK 3372012345678901.",
        name="Budi Santoso",
        handle="budi_slo",
    )
    return walk_to(made, Status.POSTED)


def url(complaint):
    return reverse("track-detail", args=[complaint.tracking_number])


def test_the_form_sends_a_typed_number_to_its_page(client, complaint):
    typed = complaint.tracking_number.lower().replace("-", " ")
    response = client.get(reverse("track"), {"nomor": typed})
    assert response.status_code == 302 and response["Location"] == url(complaint)


def test_the_page_shows_the_progress_and_the_answer_in_indonesian(client, complaint):
    response = client.get(url(complaint))
    assert response.status_code == 200
    page = response.content.decode()
    assert complaint.tracking_number in page
    assert "Sudah kami perbaiki." in page  # the approved answer
    assert "Dinas Perhubungan" in page  # forwarded to <agency>
    assert 'lang="id"' in page
    for label in ("Aduan diterima", "Diteruskan ke", "Dijawab oleh", "Jawaban diunggah"):
        assert label in page, label


def test_the_page_switches_to_english(client, complaint):
    response = client.post(reverse("set_language"), {"language": "en", "next": url(complaint)})
    assert response.status_code == 302
    page = client.get(url(complaint)).content.decode()
    assert 'lang="en"' in page and "Forwarded to" in page and "Answered by" in page


def test_no_personal_data_is_shown(client, complaint):
    page = client.get(url(complaint)).content.decode()
    for secret in ("Budi Santoso", "budi_slo", "0812-3456-7890", "3372012345678901", "No. 12", "instagram.com/p/"):
        assert secret not in page, secret
    assert "Jl. Slamet Riyadi" in page


def test_a_confidential_complaint_shows_its_status_only(client, make_complaint, walk_to):
    secret = walk_to(make_complaint(confidential=True, text="Dugaan pungli oleh petugas X"), Status.FORWARDED)
    page = client.get(url(secret)).content.decode()
    assert "pungli" not in page and "Dinas Perhubungan" not in page
    assert "rahasia" in page


def test_a_number_that_does_not_exist_is_just_not_found(client, db):
    number = tracking.generate("SKA")
    response = client.get(reverse("track-detail", args=[number]))
    assert response.status_code == 404
    assert "Aduan tidak ditemukan" in response.content.decode()


def test_a_mistyped_number_suggests_only_numbers_that_exist(client, complaint):
    number = complaint.tracking_number
    typo = number[:-2] + ("0" if number[-2] != "0" else "1") + number[-1]
    assert tracking.normalize(typo, "SKA") is None
    response = client.get(reverse("track-detail", args=[typo]))
    assert response.status_code == 404
    page = response.content.decode()
    assert number in page
    others = [n for n in tracking.near_misses(typo, "SKA") if n != number]
    assert others and not any(n in page for n in others)


def test_garbage_is_not_found_not_an_error(client, db):
    for junk in ("x" * 300, "'; DROP TABLE", "%00", "SKA-0000"):
        response = client.get("/lacak/" + junk)
        assert response.status_code == 404


def test_lookups_are_rate_limited_per_address_with_a_page_in_the_users_language(client, complaint, settings):
    settings.SIGAP_TRACK_RATE_LIMIT = "3/600"
    codes = [client.get(url(complaint)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    client.cookies["django_language"] = "en"  # the language switch
    response = client.get(url(complaint))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many requests" in response.content.decode()
    other = client.get(url(complaint), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_the_limit_resets_after_the_window(client, complaint, settings, travel):
    settings.SIGAP_TRACK_RATE_LIMIT = "1/600"
    assert client.get(url(complaint)).status_code == 200
    assert client.get(url(complaint)).status_code == 429
    travel.shift(timedelta(minutes=11))
    assert client.get(url(complaint)).status_code == 200


def test_the_page_uses_its_own_stylesheet_and_no_scripts(client, complaint):
    page = client.get(url(complaint)).content.decode()
    assert "public/public.css" in page and "<script" not in page


def test_a_merged_complaint_points_to_the_one_it_joined(client, make_complaint, reviewer):
    kept, duplicate = make_complaint(), make_complaint()
    actions.complaint_merge(complaint=duplicate, into=kept, by=reviewer)
    page = client.get(url(duplicate)).content.decode()
    assert kept.tracking_number in page
