"""A recap's summary as small tables of text, shared by the PDF and the report pages.

The XLSX writes the same figures as numbers (sigap.recaps.xlsx), so that a spreadsheet can sum them.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from sigap.recaps.build import STEPS, Summary
from sigap.recaps.narrative import fmt_int, fmt_num, fmt_pct, platform_name


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    aligns: str  # one letter per column: L, R or C
    widths: list[float]  # millimetres on an A4 portrait page (180 mm of text width)

    @property
    def numeric(self) -> list[bool]:
        """Which columns hold numbers (right-aligned), for templates."""
        return [a == "R" for a in self.aligns]

    def aligned_rows(self) -> list[list[tuple[str, bool]]]:
        return [list(zip(row, self.numeric)) for row in self.rows]

    def aligned_header(self) -> list[tuple[str, bool]]:
        return list(zip(self.header, self.numeric))


def scope_label(agency, platform: str) -> str:
    """All agencies, all platforms; Dishub, Instagram; …"""
    parts = [str(agency) if agency is not None else _("all agencies")]
    parts.append(platform_name(platform) if platform else _("all platforms"))
    return ", ".join(parts)


def key_figures(s: Summary, lang: str) -> Table:
    n, h = (lambda x: fmt_int(x, lang)), (lambda x: fmt_num(x, lang, 1))
    share = lambda part: fmt_pct(100 * part / s.received if s.received else None, lang)  # noqa: E731
    rows = [
        [_("Answers posted in the period (rows of this recap)"), n(s.answered)],
        [_("Complaints received in the period"), n(s.received)],
        [_("of which answered by the end of the period"), f"{n(s.received_answered)} ({share(s.received_answered)})"],
        [_("of which still in progress"), f"{n(s.in_progress)} ({share(s.in_progress)})"],
        [_("of which closed without an answer"), n(s.received_closed)],
        [_("Answers later than %(h)s hours") % {"h": s.late_hours}, n(s.late)],
        [_("Complaints outside the SOP's standard time (any step)"), n(s.outside_sop)],
        [_("Median answer time (hours)"), h(s.median_hours)],
        [_("90th percentile answer time (hours)"), h(s.p90_hours)],
        [_("Complainant gender"), _("not recorded by Sigap")],
    ]
    return Table(_("Key figures"), [_("Figure"), _("Value")], rows, "LR", [125, 55])


def _counts(title: str, label: str, items: list[tuple[str, int]], lang: str, whole: int | None = None) -> Table:
    total = sum(count for _label, count in items) if whole is None else whole
    rows = [
        [name or "–", fmt_int(count, lang), fmt_pct(100 * count / total if total else None, lang)] for name, count in items
    ]
    return Table(title, [label, _("Count"), _("Share")], rows, "LRR", [110, 35, 35])


def tables(s: Summary, lang: str) -> list[Table]:
    n, p, h = (lambda x: fmt_int(x, lang)), (lambda x: fmt_pct(x, lang)), (lambda x: fmt_num(x, lang, 1))
    steps = Table(
        _("SOP time achievement (Pencapaian Waktu SOP)"),
        [_("Step"), _("On time"), _("Done"), _("Share on time")],
        [[_("Step %(n)s") % {"n": k}, n(s.steps[k][0]), n(s.steps[k][1]), p(s.step_pct(k))] for k in STEPS],
        "LRRR",
        [60, 40, 40, 40],
    )
    agencies = Table(
        _("Agency responsiveness"),
        [
            _("Agency"), _("Answered"), _("Median (hours)"), _("P90 (hours)"),
            _("Within %(h)s hours") % {"h": s.late_hours}, _("Late"), _("Step 4 on time"), _("Outside the SOP"),
        ],
        [
            [a.name or "–", n(a.answered), h(a.median_hours), h(a.p90_hours), p(a.within_pct), n(a.late),
             p(a.step4_pct), n(a.outside_sop)]
            for a in s.agencies
        ],
        "LRRRRRRR",
        [36, 18, 20, 20, 22, 18, 24, 22],
    )  # fmt: skip
    return [
        steps,
        agencies,
        _counts(_("Answers per platform"), _("Platform"), [(platform_name(c, lang), k) for c, k in s.by_platform], lang),
        _counts(_("Answers per category"), _("Category"), s.by_category, lang),
        _counts(_("Answers per kecamatan"), _("Kecamatan"), s.by_kecamatan, lang),
        # A complaint can mention several topics: their shares are of all answered complaints.
        _counts(_("Ten most frequent topics"), _("Topic"), s.topics, lang, whole=s.answered),
    ]
