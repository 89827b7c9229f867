import csv
import io
from datetime import datetime

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from pypdf import PdfReader

from sigap.recaps import csv as recap_csv
from sigap.recaps import pdf, xlsx
from sigap.recaps.build import RecapData
from sigap.recaps.columns import columns
from sigap.recaps.tests.conftest import WEEK_END, WEEK_START, WIB

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def indonesian():
    with translation.override("id"):
        yield


def col(header: list, msgid: str) -> int:
    """Where a column is, by its English name: the project's catalogue may word it differently."""
    return header.index(_(msgid))


def render(module, data=None, **options) -> bytes:
    out = io.BytesIO()
    module.render(data or RecapData(WEEK_START, WEEK_END), out, **options)
    return out.getvalue()


def test_the_xlsx_has_a_row_per_answer_with_real_local_dates_a_frozen_header_and_a_filter(week):
    book = load_workbook(io.BytesIO(render(xlsx)))
    assert book.sheetnames == ["Rekap", "Ringkasan"]
    sheet = book["Rekap"]
    assert "2–8 November 2026" in sheet["A1"].value and "WIB (Asia/Jakarta, UTC+7)" in sheet["A2"].value
    header = [c.value for c in sheet[3]]
    assert header == [c.header for c in columns(48)] and len(header) == 31
    assert header[:2] == ["No.", _("Tracking number")] and "Langkah 2 mulai" in header  # in Indonesian
    assert sheet.freeze_panes == "C4"
    assert sheet.auto_filter.ref == "A3:AE7"
    assert sheet.column_dimensions["B"].width == 16
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert [r[1] for r in rows] == [week[k].tracking_number for k in ("old", "ok", "slow_agency", "late")]
    ok = rows[1]
    received = sheet.cell(row=5, column=col(header, "Received at") + 1)
    # Excel has no time zones: a naive date-time in WIB, formatted as a date.
    assert received.value == datetime(2026, 11, 2, 9, 5) and received.is_date
    assert received.number_format == "dd-mm-yyyy hh:mm"
    assert ok[header.index("Langkah 4 (jam)")] == 0.5 and ok[header.index("Langkah 4 tepat waktu")] == "ya"
    assert ok[col(header, "Answer time (hours)")] == pytest.approx(2.58)
    assert ok[col(header, "Answer")] == "Petugas sudah memperbaiki lampu PJU."
    assert ok[col(header, "Link to the reply")] == "https://www.instagram.com/p/C0ffee/c/1/"
    assert [r[col(header, "Complainant")] for r in rows] == ["warga_solo", "warga_solo", "(anonim)", "(rahasia)"]
    assert rows[3][col(header, "Link to the post")] is None  # confidential
    assert rows[3][header.index("Dalam 48 jam")] == "tidak"


def test_the_xlsx_summary_sheet_has_the_figures_and_the_narrative(week):
    sheet = load_workbook(io.BytesIO(render(xlsx)))["Ringkasan"]
    cells = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert cells[_("Complaints received in the period")][0] == 7
    assert cells[_("share answered")][0] == pytest.approx(3 / 7)
    assert cells[_("Step %(n)s") % {"n": 4}][:3] == (3, 4, 0.75)
    assert cells["Dishub"][0] == 2
    assert cells[_("Complainant gender")][0] == _("not recorded by Sigap")
    narrative = [row[0] for row in sheet.iter_rows(values_only=True) if row and row[0] and str(row[0]).startswith("Selama")]
    assert narrative and "menerima 7 aduan" in narrative[0]


def test_the_xlsx_streams_a_workbook_with_no_rows_too(db):
    sheet = load_workbook(io.BytesIO(render(xlsx)))["Rekap"]
    assert sheet.max_row == 3 and sheet.auto_filter.ref == "A3:AE3"


def test_text_that_xml_cannot_carry_is_cleaned_not_fatal(answered):
    answered(posted=datetime(2026, 11, 2, 9, 0, tzinfo=WIB), answer="  Sudah <beres> & aman \x0b ", handle="a&b")
    sheet = load_workbook(io.BytesIO(render(xlsx)))["Rekap"]
    header = [c.value for c in sheet[3]]
    assert sheet.cell(row=4, column=col(header, "Answer") + 1).value == "  Sudah <beres> & aman  "
    assert sheet.cell(row=4, column=col(header, "Complainant") + 1).value == "a&b"


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())  # lines break wherever the page is full


def test_the_pdf_has_letterhead_analysis_tables_and_rows_in_indonesian(week, settings):
    settings.SIGAP_LETTERHEAD_AGENCY = "DINAS KOMUNIKASI, INFORMATIKA, STATISTIK DAN PERSANDIAN"
    pages, text = pdf_text(render(pdf))
    assert 3 <= pages <= 8
    for part in (
        "PEMERINTAH KOTA SURAKARTA",
        "Jalan Jenderal Sudirman No. 2",
        "REKAP ADUAN MEDIA SOSIAL YANG SUDAH TERJAWAB",
        "2–8 November 2026",
        "menerima 7 aduan",
        "Pencapaian Waktu SOP",
        week["ok"].tracking_number,
        "(rahasia)",
        f"Halaman 1 dari {pages}",
        "SKA.Diskominfo SP.03.01. CFM.03.SOP.BID_Egov/3 —",
    ):
        assert part in text, part


def test_the_pdf_lists_a_bounded_number_of_rows_and_says_where_the_rest_are(week):
    _pages, text = pdf_text(render(pdf, max_rows=2))
    assert "2 baris pertama dari 4" in text
    assert week["ok"].tracking_number in text and week["late"].tracking_number not in text


def test_the_pdf_letterhead_comes_from_the_settings(db, settings):
    settings.SIGAP_LETTERHEAD_GOVERNMENT = "PEMERINTAH KOTA CONTOH"
    settings.SIGAP_LETTERHEAD_CONTACT = ""
    _pages, text = pdf_text(render(pdf))
    assert "PEMERINTAH KOTA CONTOH" in text and "diskominfosp@surakarta.go.id" not in text


def test_characters_the_font_lacks_print_as_question_marks(answered):
    answered(posted=datetime(2026, 11, 2, 9, 0, tzinfo=WIB), handle="ꦱꦭ_solo")
    _pages, text = pdf_text(render(pdf))
    assert "??_solo" in text


def test_the_csv_round_trips_and_can_start_with_a_bom_for_excel(week):
    plain = render(recap_csv)
    rows = list(csv.reader(io.StringIO(plain.decode("utf-8"))))
    assert len(rows) == 5 and len(rows[0]) == 31
    assert rows[0] == [c.header for c in columns(48)] and rows[2][1] == week["ok"].tracking_number
    assert rows[2][col(rows[0], "Received at")] == "2026-11-02 09:05"
    assert rows[2][col(rows[0], "Answer time (hours)")] == "2.58"
    with_bom = render(recap_csv, bom=True)
    assert with_bom.startswith("\ufeff".encode()) and with_bom[3:] == plain
