import csv
import io
from datetime import datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from pypdf import PdfReader

from sigap.recaps import xlsx
from sigap.recaps.management.commands import recap as recap_command
from sigap.recaps.tests.conftest import WEEK_END, WIB

pytestmark = pytest.mark.django_db
LATER = WEEK_END + timedelta(days=2)
WEEK = ["--from", "2026-11-02", "--to", "2026-11-08"]


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with time_machine.travel(LATER, tick=False):
        call_command("recap", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_writes_each_format(week, tmp_path):
    out, _err = run(*WEEK, "--format", "xlsx", "--out", str(tmp_path / "rekap.xlsx"))
    assert "rekap.xlsx" in out and "2–8 November 2026" in out
    assert load_workbook(tmp_path / "rekap.xlsx")["Rekap"].max_row == 7
    run(*WEEK, "--format", "pdf", "--out", str(tmp_path / "rekap.pdf"))
    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "rekap.pdf").pages)
    assert week["ok"].tracking_number in text
    run(*WEEK, "--format", "csv", "--bom", "--out", str(tmp_path / "rekap.csv"))
    content = (tmp_path / "rekap.csv").read_bytes()
    assert content.startswith("\ufeff".encode()) and len(list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rekap.csv", "rekap.pdf", "rekap.xlsx"]  # no leftovers


def test_it_narrows_to_an_agency_and_a_platform(week, tmp_path):
    target = tmp_path / "dishub.csv"
    run(*WEEK, "--agency", "dishub", "--platform", "x", "--format", "csv", "--out", str(target))
    rows = list(csv.reader(target.read_text(encoding="utf-8").splitlines()))
    assert [r[1] for r in rows[1:]] == [week["late"].tracking_number]


def test_a_period_reaching_today_ends_now(week, tmp_path):
    with time_machine.travel(datetime(2026, 11, 4, 12, 0, tzinfo=WIB), tick=False):
        call_command("recap", *WEEK, "--format", "csv", "--out", str(tmp_path / "r.csv"), stdout=StringIO())
    assert len((tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()) == 4  # "old", "ok", "slow_agency" so far


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "2026-13-01", "--to", "2026-11-08"], "2026-13-01"),
        (["--from", "2026-11-02", "--to", "kemarin"], "kemarin"),
        (["--from", "2026-11-08", "--to", "2026-11-02"], "--to"),
        (["--from", "2027-01-01", "--to", "2027-01-31"], "masa depan|future"),
        ([*WEEK, "--agency", "NOPE"], "NOPE"),
        ([*WEEK, "--platform", "myspace"], "myspace"),
        ([*WEEK, "--format", "docx"], "docx"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(db, tmp_path, args, message):
    args = args if "--format" in args else [*args, "--format", "xlsx"]
    with pytest.raises(CommandError, match=message):
        run(*args, "--out", str(tmp_path / "rekap.xlsx"))
    assert list(tmp_path.iterdir()) == []


def test_a_path_it_cannot_write_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="tidak ada|does not exist"):
        run(*WEEK, "--format", "xlsx", "--out", str(tmp_path / "missing" / "rekap.xlsx"))
    with pytest.raises(CommandError, match=str(tmp_path)):
        run(*WEEK, "--format", "xlsx", "--out", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_writing_leaves_nothing_behind(week, tmp_path):
    # The last moment it could fail: the workbook is being put together in the temporary file.
    with mock.patch.object(xlsx, "_assemble", side_effect=RuntimeError("boom")), pytest.raises(RuntimeError):
        run(*WEEK, "--format", "xlsx", "--out", str(tmp_path / "rekap.xlsx"))
    assert list(tmp_path.iterdir()) == []


def test_large_periods_show_a_progress_bar_on_stderr(week, tmp_path, monkeypatch):
    monkeypatch.setattr(recap_command, "PROGRESS_FROM", 2)
    _out, err = run(*WEEK, "--format", "csv", "--out", str(tmp_path / "r.csv"))
    assert "100%" in err and _("%(done)s/%(total)s rows") % {"done": 4, "total": 4} in err
    _out, err = run(*WEEK, "--format", "csv", "--quiet", "--out", str(tmp_path / "r.csv"))
    assert err == ""
