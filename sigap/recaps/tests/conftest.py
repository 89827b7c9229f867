"""Recap tests: their own MEDIA_ROOT (archiving writes real files) and complaints answered on a clock."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sigap.agencies.models import Category, Kelurahan
from sigap.cases import actions

WIB = ZoneInfo("Asia/Jakarta")
# The week the tests recap: Monday 2 to Sunday 8 November 2026, no public holidays.
WEEK_START = datetime(2026, 11, 2, tzinfo=WIB)
WEEK_END = datetime(2026, 11, 9, tzinfo=WIB)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def answered(make_complaint, processor, reviewer, agencies):
    """A complaint walked through steps 2–5 by the real actions, each step taking the minutes given.

    `steps` are the minutes from the post to receipt (step 2), then steps 3, 4 and 5.
    """

    def make(
        *,
        posted: datetime,
        steps=(5, 60, 30, 60),
        agency: str = "DISHUB",
        platform: str = "instagram",
        text: str = "Lampu PJU di Jl. Slamet Riyadi mati sejak kemarin.",
        answer: str = "Petugas sudah memperbaiki lampu PJU.",
        link: str = "https://www.instagram.com/p/C0ffee/c/1/",
        category: str | None = "Penerangan Jalan Umum",
        kelurahan: tuple[str, str] | None = ("Laweyan", "Penumping"),
        **flags,
    ):
        at = posted + timedelta(minutes=steps[0])
        with time_machine.travel(at, tick=False):
            complaint = make_complaint(
                posted_at=posted,
                platform=platform,
                text=text,
                category=Category.objects.get(name=category) if category else None,
                kelurahan=Kelurahan.objects.get(kecamatan=kelurahan[0], name=kelurahan[1]) if kelurahan else None,
                **flags,
            )
        at += timedelta(minutes=steps[1])
        with time_machine.travel(at, tick=False):
            actions.complaint_register(complaint=complaint, by=processor, ack_via=platform)
            actions.complaint_forward(complaint=complaint, by=reviewer, agency=agencies[agency])
        at += timedelta(minutes=steps[2])
        with time_machine.travel(at, tick=False):
            actions.complaint_answer(complaint=complaint, by=reviewer, text=answer)
            actions.answer_approve(complaint=complaint, by=reviewer)
        at += timedelta(minutes=steps[3])
        with time_machine.travel(at, tick=False):
            actions.complaint_post_answer(complaint=complaint, by=processor, link=link)
        complaint.refresh_from_db()
        return complaint

    return make


LAMP = "Lampu PJU di Jl. Slamet Riyadi mati sejak kemarin, gelap sekali."
TRASH = "Sampah di TPS Jebres belum diangkut tiga hari, bau sekali."


@pytest.fixture
def week(answered, make_complaint, processor, reviewer, agencies):
    """Four answers posted in the week (one for a complaint of the week before), and four more
    complaints received in the week: two still open at its end, two closed without an answer."""
    c = {}
    # Received the Friday before, answered on Monday after step 5 took 73 hours: late twice over.
    c["old"] = answered(posted=datetime(2026, 10, 30, 10, 0, tzinfo=WIB), steps=(5, 60, 30, 4400), agency="DPUPR",
                        platform="facebook", text=TRASH)  # fmt: skip
    c["ok"] = answered(posted=datetime(2026, 11, 2, 9, 0, tzinfo=WIB), text=LAMP)
    c["slow_agency"] = answered(posted=datetime(2026, 11, 3, 10, 0, tzinfo=WIB), steps=(5, 60, 90, 60), agency="DLH",
                                platform="whatsapp", text=TRASH, anonymous=True)  # fmt: skip
    c["late"] = answered(posted=datetime(2026, 11, 4, 8, 0, tzinfo=WIB), steps=(5, 60, 30, 3000), platform="x",
                         text=LAMP + " Lampu PJU sering mati.", confidential=True)  # fmt: skip
    with time_machine.travel(datetime(2026, 11, 5, 10, 5, tzinfo=WIB), tick=False):
        c["open"] = make_complaint(posted_at=datetime(2026, 11, 5, 10, 0, tzinfo=WIB), text=LAMP)
    with time_machine.travel(datetime(2026, 11, 5, 12, 5, tzinfo=WIB), tick=False):
        c["closed"] = make_complaint(posted_at=datetime(2026, 11, 5, 12, 0, tzinfo=WIB), text="Halo admin")
    with time_machine.travel(datetime(2026, 11, 5, 13, 0, tzinfo=WIB), tick=False):
        actions.complaint_close(complaint=c["closed"], by=processor, reason="bukan aduan")
    # Approved, then closed instead of posted: its step 5 stops, but no answer reached the citizen.
    with time_machine.travel(datetime(2026, 11, 6, 9, 5, tzinfo=WIB), tick=False):
        c["withdrawn"] = make_complaint(posted_at=datetime(2026, 11, 6, 9, 0, tzinfo=WIB), text=TRASH)
        actions.complaint_register(complaint=c["withdrawn"], by=processor, ack_via="IG")
        actions.complaint_forward(complaint=c["withdrawn"], by=reviewer, agency=agencies["DLH"])
        actions.complaint_answer(complaint=c["withdrawn"], by=reviewer, text="Sudah.")
        actions.answer_approve(complaint=c["withdrawn"], by=reviewer)
    with time_machine.travel(datetime(2026, 11, 6, 12, 0, tzinfo=WIB), tick=False):
        actions.complaint_close(complaint=c["withdrawn"], by=processor, reason="dicabut pelapor")
    with time_machine.travel(datetime(2026, 11, 8, 23, 5, tzinfo=WIB), tick=False):
        c["late_night"] = make_complaint(posted_at=datetime(2026, 11, 8, 23, 0, tzinfo=WIB), text=LAMP)
    return c
