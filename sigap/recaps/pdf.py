"""The recap as an A4 PDF (fpdf2): letterhead, analysis, charts, tables, and the first rows.

fpdf2's core fonts are Latin-1 only; DejaVu Sans (fonts/, with its licence) carries Indonesian
text, "—", "×" and most names. A character the font lacks (an emoji in a handle, Javanese script)
prints as "?" rather than vanishing.

The document is built in memory, so the rows table stops at SIGAP_RECAP_PDF_MAX_ROWS and says
where the rest is; the figures above it always cover every row.
"""

import logging
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sigap.recaps import charts, figures
from sigap.recaps.build import RecapData, Summary
from sigap.recaps.columns import HIDDEN_LABELS, flag, platform_label
from sigap.recaps.narrative import current_lang, fmt_int, fmt_num, narrative, period_label
from sigap.sop.models import SopVersion

FONTS = Path(__file__).resolve().parent / "fonts"
# fpdf2 subsets the font through fontTools, which reports every table at INFO: not for the worker log.
logging.getLogger("fontTools").setLevel(logging.WARNING)
FONT = "DejaVu"
LINE = 5.2
ROW = 5.5
HEAD_FILL = (220, 230, 241)


class RecapPDF(FPDF):
    def __init__(self, running_title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.running_title = running_title
        self.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=16)
        self.table_header: tuple | None = None  # repeated at the top of a page the table runs onto

    def t(self, text: str) -> str:
        """The text with characters the font lacks replaced, so nothing silently disappears."""
        cmap = self.current_font.cmap
        return "".join(c if ord(c) in cmap or c in "\n\t" else "?" for c in str(text))

    def header(self) -> None:
        if self.page_no() == 1:
            self._letterhead()
            return
        self.set_font(FONT, "", 7.5)
        self.set_text_color(100, 100, 100)
        self.cell(0, 4, self.t(self.running_title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(2)
        if self.table_header is not None:
            _header_row(self, *self.table_header)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(100, 100, 100)
        self.cell(0, 4, self.t(_("Sigap · %(title)s") % {"title": self.running_title}), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 4, _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}, align="R")
        self.set_text_color(0, 0, 0)

    def _letterhead(self) -> None:
        top = self.get_y()
        logo = settings.SIGAP_LETTERHEAD_LOGO
        if logo and Path(logo).is_file():
            self.image(logo, x=self.l_margin, y=top, h=22)
        lines = [
            (settings.SIGAP_LETTERHEAD_GOVERNMENT, "B", 13),
            (settings.SIGAP_LETTERHEAD_AGENCY, "B", 11.5),
            (settings.SIGAP_LETTERHEAD_ADDRESS, "", 8.5),
            (settings.SIGAP_LETTERHEAD_CONTACT, "", 8.5),
        ]
        for text, style, size in lines:
            if text:
                self.set_font(FONT, style, size)
                self.cell(0, size * 0.5, self.t(text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y = max(self.get_y(), top + 22) + 2
        self.set_line_width(0.8)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.set_line_width(0.2)
        self.line(self.l_margin, y + 1.2, self.w - self.r_margin, y + 1.2)
        self.set_y(y + 5)


def render(data: RecapData, out: BinaryIO, *, max_rows: int | None = None, compress: bool = True) -> None:
    s = data.summary  # one full pass unless the XLSX already summed it
    lang = current_lang()
    period = period_label(data.period_start, data.period_end, lang)
    pdf = RecapPDF(_("Recap of answered social-media complaints, %(period)s") % {"period": period})
    pdf.set_compression(compress)
    pdf.set_title(pdf.running_title)
    pdf.set_author(settings.SIGAP_LETTERHEAD_AGENCY)
    pdf.set_creator("Sigap")
    pdf.set_lang(lang)
    pdf.add_page()
    _front(pdf, data, s, lang, period)
    _charts(pdf, s, lang)
    for table in figures.tables(s, lang):
        _table_of(pdf, table)
    _rows(pdf, data, s, lang, settings.SIGAP_RECAP_PDF_MAX_ROWS if max_rows is None else max_rows)
    out.write(bytes(pdf.output()))


def _heading(pdf: RecapPDF, text: str, size: float = 11) -> None:
    if pdf.get_y() > pdf.h - 40:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(FONT, "B", size)
    pdf.cell(0, 7, pdf.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)


def _paragraph(pdf: RecapPDF, text: str, grey: bool = False) -> None:
    pdf.set_font(FONT, "", 9)
    if grey:
        pdf.set_text_color(80, 80, 80)
    pdf.multi_cell(0, 4.6, pdf.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1.5)


def _front(pdf: RecapPDF, data: RecapData, s: Summary, lang: str, period: str) -> None:
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(0, 6.5, pdf.t(_("RECAP OF ANSWERED SOCIAL-MEDIA COMPLAINTS")), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    sop = data.recap.sop if data.recap is not None else SopVersion.current()
    facts = [
        (_("Period"), period),
        (_("Scope"), figures.scope_label(data.agency, data.platform)),
        (_("SOP"), _("%(code)s — %(title)s, step 6") % {"code": sop.code, "title": sop.title}),
        (_("Made"), f"{timezone.localtime(data.generated_at):%d-%m-%Y %H:%M} WIB"),
    ]
    pdf.set_font(FONT, "", 9)
    for label, value in facts:
        pdf.set_font(FONT, "B", 9)
        pdf.cell(28, LINE, pdf.t(label))
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, LINE, pdf.t(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _heading(pdf, _("Analysis"))
    _paragraph(pdf, narrative(s, "id"))
    _heading(pdf, "English", 9.5)
    _paragraph(pdf, narrative(s, "en"), grey=True)
    _table_of(pdf, figures.key_figures(s, lang))


def _charts(pdf: RecapPDF, s: Summary, lang: str) -> None:
    _heading(pdf, _("Charts"))
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for chart in charts.recap_charts(s, lang):
        height = charts.layout(chart)[1] * width / charts.WIDTH
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
        y = pdf.get_y()
        used = charts.draw(pdf, chart, pdf.l_margin, y, width, FONT)
        pdf.set_y(y + used + 4)


def _table_of(pdf: RecapPDF, table: figures.Table) -> None:
    _heading(pdf, table.title)
    _table(pdf, table.header, table.rows, table.widths, table.aligns)


def _rows(pdf: RecapPDF, data: RecapData, s: Summary, lang: str, limit: int) -> None:
    pdf.add_page(orientation="L")
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, pdf.t(_("Answered complaints")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8.5)
    if s.answered > limit:
        note = _("The first %(shown)s of %(total)s rows; every row is in the XLSX and CSV files of this recap.") % {
            "shown": fmt_int(limit, lang), "total": fmt_int(s.answered, lang)
        }
        pdf.multi_cell(0, 4.5, pdf.t(note), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    header = [
        _("No."), _("Tracking number"), _("Platform"), _("Complainant"), _("Received at"), _("Category"), _("Agency"),
        _("Kecamatan"), _("Answer time (hours)"), _("Within %(h)s hours") % {"h": s.late_hours}, _("SOP"), _("Answer"),
    ]  # fmt: skip
    widths = [9, 27, 17, 22, 26, 32, 22, 20, 14, 14, 10, 54]
    body = (
        [
            str(r.number), r.tracking_number, platform_label(r.platform),
            str(HIDDEN_LABELS[r.hidden]) if r.hidden else r.handle,
            f"{timezone.localtime(r.received_at):%d-%m-%Y %H:%M}", r.category or "–", r.agency or "–", r.kecamatan or "–",
            fmt_num(r.answer_hours, lang, 1), flag(r.answer_seconds <= s.late_hours * 3600), flag(r.sop_ok),
            " ".join(r.answer.split()),
        ]
        for r in data.rows(limit=limit)
    )  # fmt: skip
    _table(pdf, header, body, widths, "RLLLLLLLRCCL", size=7)


def _fit(pdf: RecapPDF, text: str, width: float) -> str:
    text = pdf.t(text)
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[: max(0, len(text) - max(1, len(text) // 8))]
    return text + "…"


def _wrap(pdf: RecapPDF, text: str, width: float) -> list[str]:
    lines, line = [], ""
    for word in pdf.t(text).split():
        trial = f"{line} {word}".strip()
        if line and pdf.get_string_width(trial) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return [_fit(pdf, line, width) for line in [*lines, line]]


def _header_row(pdf: RecapPDF, header, widths, size) -> None:
    """Header cells wrap onto as many lines as the longest needs."""
    pdf.set_font(FONT, "B", size)
    pdf.set_fill_color(*HEAD_FILL)
    wrapped = [_wrap(pdf, text, width - 2) for text, width in zip(header, widths)]
    line = size * 0.3528 * 1.2
    height = max(len(lines) for lines in wrapped) * line + 1.5
    if pdf.get_y() + height + ROW > pdf.page_break_trigger:
        pdf.add_page(orientation=pdf.cur_orientation)
    x, y = pdf.l_margin, pdf.get_y()
    for lines, width in zip(wrapped, widths):
        pdf.rect(x, y, width, height, style="DF")
        for i, text in enumerate(lines):
            pdf.set_xy(x, y + 0.75 + i * line)
            pdf.cell(width, line, text)
        x += width
    pdf.set_xy(pdf.l_margin, y + height)
    pdf.set_font(FONT, "", size)


def _table(pdf: RecapPDF, header: list[str], rows, widths: list[float], aligns: str, size: float = 8.5) -> None:
    """One line per row, cells cut to fit with "…"; the header repeats on every page it runs onto."""
    _header_row(pdf, header, widths, size)
    pdf.table_header = (header, widths, size)
    for row in rows:
        if pdf.get_y() + ROW > pdf.page_break_trigger:
            pdf.add_page(orientation=pdf.cur_orientation)  # the header comes back with the page
        for text, width, align in zip(row, widths, aligns):
            pdf.cell(width, ROW, _fit(pdf, text, width - 2), border=1, align=align)
        pdf.ln(ROW)
    pdf.table_header = None
    pdf.ln(1)
