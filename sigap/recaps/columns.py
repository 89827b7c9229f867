"""The recap's columns, shared by the XLSX and the CSV: one row per answered complaint."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.platforms.models import PlatformName
from sigap.recaps.build import STEPS, Row

TEXT, DATETIME, HOURS, NUMBER = "text", "datetime", "hours", "number"


@dataclass(frozen=True)
class Column:
    header: str
    width: int  # in characters, for the spreadsheet
    kind: str = TEXT


def columns(late_hours: int) -> list[Column]:
    cols = [
        Column(_("No."), 6, NUMBER),
        Column(_("Tracking number"), 16),
        Column(_("Platform"), 11),
        Column(_("Link to the post"), 36),
        Column(_("Complainant"), 18),
        Column(_("Received at"), 17, DATETIME),
        Column(_("Category"), 24),
        Column(_("Agency"), 14),
        Column(_("Kecamatan"), 14),
        Column(_("Kelurahan"), 16),
    ]
    for n in STEPS:
        cols += [
            Column(_("Step %(n)s start") % {"n": n}, 17, DATETIME),
            Column(_("Step %(n)s end") % {"n": n}, 17, DATETIME),
            Column(_("Step %(n)s hours") % {"n": n}, 9, HOURS),
            Column(_("Step %(n)s on time") % {"n": n}, 9),
        ]
    cols += [
        Column(_("Answer time (hours)"), 11, HOURS),
        Column(_("Within %(h)s hours") % {"h": late_hours}, 10),
        Column(_("All steps within the SOP"), 10),
        Column(_("Answer"), 60),
        Column(_("Link to the reply"), 36),
    ]
    return cols


HIDDEN_LABELS = {"anonymous": gettext_lazy("(anonymous)"), "confidential": gettext_lazy("(confidential)")}


def flag(value: bool | None) -> str:
    return "" if value is None else _("yes") if value else _("no")


def platform_label(code: str) -> str:
    try:
        return str(PlatformName(code).label)
    except ValueError:
        return code


class Cells:
    """Turns rows into cells; the words it writes are translated once, not once per cell."""

    def __init__(self, late_hours: int) -> None:
        self.late_seconds = late_hours * 3600
        self.flags = {None: "", True: _("yes"), False: _("no")}
        self.hidden = {key: str(label) for key, label in HIDDEN_LABELS.items()}
        self.platforms = {code: str(label) for code, label in PlatformName.choices}
        self.tz = timezone.get_default_timezone()

    def __call__(self, row: Row) -> list:
        """The row's cells in column order: numbers, text, and datetimes in WIB (still aware)."""
        tz, flags = self.tz, self.flags
        cells = [
            row.number,
            row.tracking_number,
            self.platforms.get(row.platform, row.platform),
            row.permalink,
            self.hidden[row.hidden] if row.hidden else row.handle,
            row.received_at.astimezone(tz),
            row.category,
            row.agency,
            row.kecamatan,
            row.kelurahan,
        ]
        for n in STEPS:
            step = row.steps.get(n)
            if step is None:
                cells += (None, None, None, "")
            elif step.completed_at is None:
                cells += (step.started_at.astimezone(tz), None, None, "")
            else:
                hours = (step.completed_at - step.started_at).total_seconds() / 3600
                cells += (step.started_at.astimezone(tz), step.completed_at.astimezone(tz), round(hours, 2), flags[step.on_time])
        cells += (
            round(row.answer_hours, 2),
            flags[row.answer_seconds <= self.late_seconds],
            flags[row.sop_ok],
            row.answer,
            row.answer_link,
        )
        return cells
