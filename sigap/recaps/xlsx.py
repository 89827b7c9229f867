"""The recap as an XLSX workbook: a sheet of rows and a sheet of figures, streamed.

Excel has no time zones: times are written as naive date-times in WIB (Asia/Jakarta, UTC+7),
with a date number format, and the sheet says so above its header.

openpyxl writes the workbook: styles, both sheets' layout (widths, frozen header, autofilter),
the title rows and the whole summary sheet. The data rows alone are written as XML text: openpyxl
builds a Cell object and an XML element per cell, some 20 µs a cell on our servers, so 100,000
rows of 31 columns took minutes; as text they take seconds. During the one pass over the rows
(which also sums the figures) the row XML goes, compressed, to a temporary file; once openpyxl
has saved the rest, the rows are copied into the rows sheet, just before `</sheetData>`. Memory
stays flat at any size: openpyxl's write-only mode keeps nothing, and the rows are on disk.
"""

import tempfile
import zipfile
import zlib
from datetime import datetime, timedelta
from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from sigap.recaps import columns as cols
from sigap.recaps.build import STEPS, RecapData, Summary
from sigap.recaps.figures import scope_label
from sigap.recaps.narrative import current_lang, narrative, period_label, platform_name

DATE_FORMAT = "dd-mm-yyyy hh:mm"
HOURS_FORMAT = "0.00"
PCT_FORMAT = "0.00%"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
NOTE = Font(italic=True, color="555555")
HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ROW = 3  # title, note, then the header
ROWS_PART = "xl/worksheets/sheet1.xml"  # the first sheet made
MAX_TEXT = 32767  # Excel's limit for one cell
# Excel's day 0 (its 1900 leap-year bug only matters before March 1900).
EXCEL_EPOCH, DAY = datetime(1899, 12, 30), timedelta(days=1)


def render(data: RecapData, out: BinaryIO, *, progress=None) -> None:
    wb = Workbook(write_only=True)
    rows = wb.create_sheet(_("Recap"))
    summary = wb.create_sheet(_("Summary"))
    with tempfile.TemporaryFile() as spool, tempfile.SpooledTemporaryFile(max_size=4 << 20) as skeleton:
        _rows_sheet(rows, data, spool, progress)
        _summary_sheet(summary, data.summary)
        wb.save(skeleton)
        skeleton.seek(0)
        spool.seek(0)
        _assemble(skeleton, spool, out)


def _cell(ws, value, *, font=None, fmt=None, fill=None, align=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if font is not None:
        cell.font = font
    if fmt is not None:
        cell.number_format = fmt
    if fill is not None:
        cell.fill = fill
    if align is not None:
        cell.alignment = align
    return cell


def title(data: RecapData) -> str:
    text = _("Recap of social-media complaints answered, %(period)s") % {
        "period": period_label(data.period_start, data.period_end, current_lang())
    }
    return f"{text} — {scope_label(data.agency, data.platform)}"


def time_note(late_hours: int) -> str:
    return _(
        "Times are in WIB (Asia/Jakarta, UTC+7), written without a time zone because Excel has none. "
        "Durations in hours. Answer time runs from the citizen's post to the answer posted; late means over "
        "%(h)s hours. Anonymous and confidential complainants are not named."
    ) % {"h": late_hours}


def _rows_sheet(ws, data: RecapData, spool, progress) -> None:
    columns = cols.columns(data.late_hours)
    for i, column in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    # Header and tracking number stay in view while scrolling.
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    ws.append([_cell(ws, title(data), font=TITLE)])
    ws.append([_cell(ws, time_note(data.late_hours), font=NOTE)])
    ws.append([_cell(ws, c.header, font=BOLD, fill=HEAD_FILL, align=WRAP) for c in columns])
    # Asking a styled cell for its style id puts the style in the workbook's style sheet.
    styles = {
        cols.DATETIME: _cell(ws, None, fmt=DATE_FORMAT).style_id,
        cols.HOURS: _cell(ws, None, fmt=HOURS_FORMAT).style_id,
    }
    kinds = [(get_column_letter(i), c.kind) for i, c in enumerate(columns, 1)]
    cells = cols.Cells(data.late_hours)
    # Excel's day 0 in WIB: the difference of two datetimes in one zone is in local wall time.
    styles["epoch"] = EXCEL_EPOCH.replace(tzinfo=cells.tz)
    texts: dict[str, str] = {}
    last = HEADER_ROW
    packer = zlib.compressobj(1)
    for row in data.rows(progress=progress):
        last += 1
        spool.write(packer.compress(_row_xml(last, kinds, cells(row), styles, texts).encode()))
    spool.write(packer.flush())
    ws.auto_filter.ref = f"A{HEADER_ROW}:{kinds[-1][0]}{last}"


# XML 1.0 cannot carry these control characters (openpyxl refuses them too): they are dropped.
_CONTROL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32)])


def _text_xml(value: str, seen: dict[str, str]) -> str:
    xml = seen.get(value)
    if xml is not None:
        return xml
    text = value.translate(_CONTROL)[:MAX_TEXT].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text[:1].isspace() or text[-1:].isspace():
        xml = f'<is><t xml:space="preserve">{text}</t></is>'
    else:
        xml = f"<is><t>{text}</t></is>"
    # Platforms, agencies, kecamatan, "ya" and "tidak" come back on every row: kept, up to a bound.
    if len(value) <= 40 and len(seen) < 5000:
        seen[value] = xml
    return xml


def _row_xml(r: int, kinds: list, values: list, styles: dict, seen: dict[str, str]) -> str:
    """One row of the sheet as XML; cells in WIB, dates as Excel serial numbers (days since 1899-12-30)."""
    cells = []
    epoch = styles["epoch"]
    for (letter, kind), value in zip(kinds, values):
        if value is None or value == "":
            continue
        if kind == cols.DATETIME:
            cells.append(f'<c r="{letter}{r}" s="{styles[kind]}"><v>{(value - epoch) / DAY!r}</v></c>')
        elif isinstance(value, str):
            cells.append(f'<c r="{letter}{r}" t="inlineStr">{_text_xml(value, seen)}</c>')
        elif kind == cols.HOURS:
            cells.append(f'<c r="{letter}{r}" s="{styles[kind]}"><v>{value!r}</v></c>')
        else:
            cells.append(f'<c r="{letter}{r}"><v>{value!r}</v></c>')
    return f'<row r="{r}">{"".join(cells)}</row>'


def _assemble(skeleton, spool, out: BinaryIO) -> None:
    """openpyxl's workbook, with the spooled rows put at the end of the rows sheet's data."""
    with zipfile.ZipFile(skeleton) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            if info.filename != ROWS_PART:
                target.writestr(info.filename, source.read(info))
                continue
            head, tail = source.read(info).decode().split("</sheetData>", 1)
            with target.open(ROWS_PART, "w", force_zip64=True) as member:
                member.write(head.encode())
                unpacker = zlib.decompressobj()
                while block := spool.read(1 << 20):
                    member.write(unpacker.decompress(block))
                member.write(unpacker.flush())
                member.write(f"</sheetData>{tail}".encode())


def _summary_sheet(ws, s: Summary) -> None:
    for letter, width in zip("ABCDEFGH", (34, 14, 14, 14, 14, 14, 14, 14)):
        ws.column_dimensions[letter].width = width
    ws.append([_cell(ws, _("Summary"), font=TITLE)])
    ws.append([_cell(ws, time_note(s.late_hours), font=NOTE)])
    ws.append([])
    pct = lambda part, whole: _cell(ws, part / whole if whole else None, fmt=PCT_FORMAT)  # noqa: E731
    hours = lambda h: _cell(ws, None if h is None else round(h, 2), fmt=HOURS_FORMAT)  # noqa: E731
    _table(ws, _("Key figures"), [_("Figure"), _("Value")], [
        [_("Answers posted in the period (rows of this recap)"), s.answered],
        [_("Complaints received in the period"), s.received],
        [_("of which answered by the end of the period"), s.received_answered],
        [_("share answered"), pct(s.received_answered, s.received)],
        [_("of which still in progress"), s.in_progress],
        [_("of which closed without an answer"), s.received_closed],
        [_("Answers later than %(h)s hours") % {"h": s.late_hours}, s.late],
        [_("Complaints outside the SOP's standard time (any step)"), s.outside_sop],
        [_("Median answer time (hours)"), hours(s.median_hours)],
        [_("90th percentile answer time (hours)"), hours(s.p90_hours)],
        [_("Complainant gender"), _("not recorded by Sigap")],
    ])  # fmt: skip
    _table(ws, _("SOP time achievement (Pencapaian Waktu SOP)"), [_("Step"), _("On time"), _("Done"), _("Share on time")], [
        [_("Step %(n)s") % {"n": n}, s.steps[n][0], s.steps[n][1], pct(*s.steps[n])] for n in STEPS
    ])  # fmt: skip
    _table(ws, _("Agencies"), [
        _("Agency"), _("Answered"), _("Median (hours)"), _("P90 (hours)"), _("Within %(h)s hours") % {"h": s.late_hours},
        _("Late"), _("Step 4 on time"), _("Outside the SOP"),
    ], [
        [a.name or "–", a.answered, hours(a.median_hours), hours(a.p90_hours), pct(a.answered - a.late, a.answered),
         a.late, pct(a.step4_on_time, a.step4_done), a.outside_sop]
        for a in s.agencies
    ])  # fmt: skip
    _table(ws, _("Answers per platform"), [_("Platform"), _("Answered")], [[platform_name(c), n] for c, n in s.by_platform])
    _table(ws, _("Received per platform"), [_("Platform"), _("Received")], [
        [platform_name(c), n] for c, n in s.received_by_platform
    ])  # fmt: skip
    _table(ws, _("Answers per category"), [_("Category"), _("Answered")], [[c or "–", n] for c, n in s.by_category])
    _table(ws, _("Answers per kecamatan"), [_("Kecamatan"), _("Answered")], [[k or "–", n] for k, n in s.by_kecamatan])
    _table(ws, _("Received per day") if s.bucket == "day" else _("Received per month"), [_("Date"), _("Received")], [
        [_cell(ws, d, fmt="dd-mm-yyyy" if s.bucket == "day" else "mm-yyyy"), n] for d, n in s.per_bucket
    ])  # fmt: skip
    by_hour = [[f"{h:02d}", n] for h, n in enumerate(s.per_hour)]
    _table(ws, _("Received by hour of day (WIB)"), [_("Hour"), _("Received")], by_hour)
    _table(ws, _("Ten most frequent topics"), [_("Topic"), _("Complaints")], [list(t) for t in s.topics])
    ws.append([_cell(ws, _("Narrative (Indonesian)"), font=BOLD)])
    ws.append([narrative(s, "id")])
    ws.append([_cell(ws, _("Narrative (English)"), font=BOLD)])
    ws.append([narrative(s, "en")])


def _table(ws, heading: str, header: list[str], rows: list[list]) -> None:
    ws.append([_cell(ws, heading, font=BOLD)])
    ws.append([_cell(ws, h, font=BOLD, fill=HEAD_FILL) for h in header])
    for row in rows:
        ws.append(row)
    ws.append([])
