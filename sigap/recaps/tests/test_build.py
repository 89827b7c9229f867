from collections import Counter
from datetime import date, datetime, timedelta

import pytest
import time_machine

from sigap.cases import actions
from sigap.recaps.build import RecapData, quantile
from sigap.recaps.narrative import narrative, period_label
from sigap.recaps.tests.conftest import WEEK_END, WEEK_START, WIB

pytestmark = pytest.mark.django_db

def data() -> RecapData:
    return RecapData(WEEK_START, WEEK_END)


def test_rows_are_the_answers_posted_in_the_period_in_order_of_receipt(week):
    rows = list(data().rows())
    assert [r.complaint_id for r in rows] == [week[k].pk for k in ("old", "ok", "slow_agency", "late")]
    assert [r.number for r in rows] == [1, 2, 3, 4]
    ok = rows[1]
    assert ok.tracking_number == week["ok"].tracking_number and ok.platform == "instagram"
    assert ok.handle == "warga_solo" and ok.permalink == "https://www.instagram.com/p/C0ffee/"
    assert (ok.category, ok.agency, ok.kecamatan, ok.kelurahan) == ("Penerangan Jalan Umum", "Dishub", "Laweyan", "Penumping")
    assert {n: round(s.hours * 60) for n, s in ok.steps.items()} == {2: 5, 3: 60, 4: 30, 5: 60}
    assert all(s.on_time for s in ok.steps.values()) and ok.sop_ok
    assert ok.answer == "Petugas sudah memperbaiki lampu PJU." and ok.answer_link == "https://www.instagram.com/p/C0ffee/c/1/"
    assert ok.answer_seconds == 155 * 60


def test_anonymous_and_confidential_complainants_are_not_named(week):
    rows = {r.complaint_id: r for r in data().rows()}
    anonymous, confidential = rows[week["slow_agency"].pk], rows[week["late"].pk]
    assert (anonymous.handle, anonymous.hidden) == ("", "anonymous") and anonymous.permalink
    # Confidential (rahasia): not even the link to the post, which names its author.
    assert (confidential.handle, confidential.hidden, confidential.permalink) == ("", "confidential", "")


def test_the_summary_counts_received_answered_in_progress_and_late(week):
    s = data().summary
    assert s.answered == 4
    assert (s.received, s.received_answered, s.received_closed, s.in_progress) == (7, 3, 2, 2)
    assert s.late == 2  # "old" (74.9 h) and "late" (51.6 h) are over 2×24 jam
    assert s.outside_sop == 3  # step 5 of "old" and "late", step 4 of "slow_agency"
    assert s.steps == {2: (4, 4), 3: (4, 4), 4: (3, 4), 5: (2, 4)}
    assert s.step_pct(4) == 75.0
    assert dict(s.by_platform) == {"facebook": 1, "instagram": 1, "whatsapp": 1, "x": 1}
    assert s.by_category == [("Penerangan Jalan Umum", 4)]
    assert s.by_kecamatan == [("Laweyan", 4)]
    assert s.received_by_platform == [("instagram", 5), ("whatsapp", 1), ("x", 1)]
    assert s.peak_days == [(date(2026, 11, 5), 2)]
    assert s.per_hour[10] == 2 and sum(s.per_hour) == 7
    assert [d for d, _n in s.per_bucket] == [date(2026, 11, 2) + timedelta(days=i) for i in range(7)]
    assert not s.gender_known


def test_agency_responsiveness_has_median_and_90th_percentile_answer_times(week):
    agencies = {a.code: a for a in data().summary.agencies}
    dishub = agencies["DISHUB"]
    assert (dishub.answered, dishub.late, dishub.outside_sop) == (2, 1, 1)
    # 155 and 3,095 minutes: the median is their mean, the 90th percentile 90% of the way.
    assert dishub.median_hours == pytest.approx((155 + 3095) / 2 / 60)
    assert dishub.p90_hours == pytest.approx((155 + 0.9 * (3095 - 155)) / 60)
    assert dishub.within_pct == 50.0 and dishub.step4_pct == 100.0
    assert (agencies["DLH"].late, agencies["DLH"].step4_pct) == (0, 0.0)
    assert agencies["DPUPR"].late == 1


def test_scope_narrows_to_one_agency_or_platform(week, agencies):
    assert [r.complaint_id for r in RecapData(WEEK_START, WEEK_END, agency=agencies["DISHUB"]).rows()] == [
        week["ok"].pk, week["late"].pk
    ]
    assert [r.complaint_id for r in RecapData(WEEK_START, WEEK_END, platform="whatsapp").rows()] == [week["slow_agency"].pk]
    assert RecapData(WEEK_START, WEEK_END, agency=agencies["DLH"]).summary.received == 2  # "slow_agency", "withdrawn"


def test_a_complaint_answered_twice_shows_the_round_answered_in_the_period(answered, processor, reviewer):
    complaint = answered(posted=datetime(2026, 10, 26, 9, 0, tzinfo=WIB))
    with time_machine.travel(datetime(2026, 11, 3, 9, 0, tzinfo=WIB), tick=False):
        actions.complaint_reopen(complaint=complaint, by=processor, reason="masih mati")
    with time_machine.travel(datetime(2026, 11, 3, 9, 40, tzinfo=WIB), tick=False):
        actions.complaint_answer(complaint=complaint, by=reviewer, text="Sudah diganti lampunya.")
        actions.answer_approve(complaint=complaint, by=reviewer)
    with time_machine.travel(datetime(2026, 11, 3, 10, 0, tzinfo=WIB), tick=False):
        actions.complaint_post_answer(complaint=complaint, by=processor, link="https://x.test/r/2")
    (row,) = data().rows()
    assert (row.answer, row.answer_link) == ("Sudah diganti lampunya.", "https://x.test/r/2")
    assert round(row.steps[4].hours * 60) == 40 and round(row.steps[5].hours * 60) == 20
    assert round(row.steps[2].hours * 60) == 5  # steps 2 and 3 are the first round's


def test_topics_are_frequent_words_and_phrases_without_stop_words(week):
    topics = dict(data().summary.topics)
    assert topics["lampu pju"] == 2 and topics["sampah"] == 2 and topics["tps jebres"] == 2
    # Stop words never, and a word said only inside its phrase is the phrase.
    assert not {"sekali", "belum", "tiga", "lampu", "pju", "sampah tps"} & set(topics)


def test_an_empty_period_has_zeros_not_errors(db):
    s = RecapData(WEEK_START, WEEK_END).summary
    assert (s.answered, s.received, s.median_hours, s.peak_hour, s.topics) == (0, 0, None, None, [])
    assert "menerima 0 aduan" in narrative(s, "id") and "Belum ada jawaban" in narrative(s, "id")


def test_quantile_interpolates_like_numpy():
    histogram = Counter({10: 1, 20: 2, 40: 1})  # 10, 20, 20, 40
    assert quantile(histogram, 0.5) == 20
    assert quantile(histogram, 0.9) == pytest.approx(20 + 0.7 * 20)
    assert quantile(Counter({5: 1}), 0.9) == 5 and quantile(Counter(), 0.5) is None


def test_the_narrative_gives_the_summary_numbers_in_both_languages(week):
    s = data().summary
    text = narrative(s, "id")
    for part in (
        "Selama periode 2–8 November 2026, Pemerintah Kota Surakarta menerima 7 aduan",
        "Sebanyak 3 aduan (42,86%) telah dijawab dan 2 aduan (28,57%) masih dalam proses; 2 ditutup tanpa jawaban.",
        "Kanal terbanyak adalah Instagram (71,43%), WhatsApp (14,29%) dan X (14,29%).",
        "Puncak aduan terjadi pada 5 November 2026 (2 aduan per hari)",
        "Pada periode ini 4 jawaban diunggah ke media sosial",
        "Sebanyak 2 jawaban melewati batas 2×24 jam (Dishub 1 dan DPUPR 1).",
        "3 aduan tidak memenuhi mutu baku waktu SOP",
        "kategori terbanyak adalah Penerangan Jalan Umum dengan 4 aduan",
        "“lampu pju” (2)",
        "langkah 2 100,00%, langkah 3 100,00%, langkah 4 75,00% dan langkah 5 50,00%",
        "percepatan tindak lanjut oleh Dishub dan DPUPR",
    ):
        assert part in text, part
    median = f"{s.median_hours:.1f}".replace(".", ",")
    assert f"median waktu jawab {median} jam" in text
    english = narrative(s, "en")
    for part in (
        "In the period 2–8 November 2026, the City of Surakarta received 7 complaints",
        "3 (42.86%) have been answered and 2 (28.57%) are still in progress; 2 were closed without an answer.",
        "2 answers took longer than 48 hours (Dishub 1 and DPUPR 1).",
        "step 4 75.00%",
    ):
        assert part in english, part


def test_period_labels_are_written_the_indonesian_way():
    assert period_label(WEEK_START, WEEK_END) == "2–8 November 2026"
    assert period_label(datetime(2026, 1, 1, tzinfo=WIB), datetime(2026, 2, 1, tzinfo=WIB), "en") == "1–31 January 2026"
    assert period_label(datetime(2025, 12, 29, tzinfo=WIB), datetime(2026, 1, 5, tzinfo=WIB)) == "29 Desember 2025–4 Januari 2026"
    until_now = datetime(2026, 11, 3, 14, 30, tzinfo=WIB)
    assert period_label(WEEK_START, until_now) == "2 November 2026 00:00 – 3 November 2026 14:30 WIB"
