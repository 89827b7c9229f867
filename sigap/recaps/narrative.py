"""The recap's narrative paragraph, in Indonesian and in English, every number from the Summary.

It follows the order of Diskominfo SP's weekly ULAS analysis posts (surakarta.md §4.5): the
period and complaints received; answered and in progress, and those past the 2×24 jam limit by
agency; channels; peak day; the top categories and their topics; bodies outside the city
government; SOP achievement; a closing recommendation. Complainant gender is left out: Sigap does
not record it.

The two languages are written out here rather than translated through gettext because both are
wanted in the same document, whatever the reader's language.
"""

from datetime import date, datetime, timedelta

from django.utils import translation

from sigap.platforms.models import PlatformName
from sigap.recaps.build import STEPS, Summary, local

MOST = 5  # agencies named in one sentence; the tables list them all
MONTHS = {
    "id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}  # fmt: skip


# Numbers and dates -------------------------------------------------------------------------


def current_lang() -> str:
    """"en" when English is active, else "id": how numbers and dates are written."""
    return "en" if (translation.get_language() or "id").startswith("en") else "id"


def fmt_int(n: int, lang: str = "id") -> str:
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "id" else text


def fmt_num(x: float | None, lang: str = "id", digits: int = 2) -> str:
    """8.898,5 in Indonesian, 8,898.5 in English; "–" for no value."""
    if x is None:
        return "–"
    text = f"{x:,.{digits}f}"
    if lang == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def fmt_pct(x: float | None, lang: str = "id") -> str:
    return "–" if x is None else f"{fmt_num(x, lang)}%"


def fmt_date(day: date, lang: str = "id", *, year: bool = True, month: bool = True) -> str:
    text = str(day.day)
    if month:
        text += f" {MONTHS[lang][day.month - 1]}"
    if year:
        text += f" {day.year}"
    return text


def fmt_datetime(moment: datetime, lang: str = "id") -> str:
    moment = local(moment)
    return f"{fmt_date(moment.date(), lang)} {moment:%H:%M}"


def period_label(start: datetime, end: datetime, lang: str = "id") -> str:
    """"10–16 Januari 2026" for whole days (the end is exclusive), else with times and WIB."""
    start, end = local(start), local(end)
    if start.time() == end.time() == datetime.min.time():
        first, last = start.date(), (end - timedelta(days=1)).date()
        if first == last:
            return fmt_date(first, lang)
        same_year = first.year == last.year
        same_month = same_year and first.month == last.month
        return f"{fmt_date(first, lang, year=not same_year, month=not same_month)}–{fmt_date(last, lang)}"
    return f"{fmt_datetime(start, lang)} – {fmt_datetime(end, lang)} WIB"


def platform_name(code: str, lang: str = "id") -> str:
    if code == PlatformName.OTHER:
        return "lainnya" if lang == "id" else "other"
    try:
        return PlatformName(code).label
    except ValueError:
        return code


def _list(items: list[str], lang: str, most: int = 0) -> str:
    """"a, b dan c"; past `most` items, "a, b dan 3 lainnya"."""
    if most and len(items) > most:
        rest = len(items) - most + 1
        items = [*items[: most - 1], f"{rest} lainnya" if lang == "id" else f"{rest} others"]
    if len(items) <= 1:
        return "".join(items)
    word = " dan " if lang == "id" else " and "
    return ", ".join(items[:-1]) + word + items[-1]


def _topics(s: Summary, lang: str) -> str:
    return ", ".join(f"“{term}” ({fmt_int(count, lang)})" for term, count in s.topics[:5])


def _en(n: int, word: str) -> str:
    return f"{fmt_int(n, 'en')} {word}{'' if n == 1 else 's'}"


# The paragraph ---------------------------------------------------------------------------


def narrative(s: Summary, lang: str = "id") -> str:
    return " ".join(part for part in (_received(s, lang), _answered(s, lang), _closing(s, lang)) if part)


def _scope(s: Summary, lang: str) -> str:
    parts = []
    if s.agency is not None:
        parts.append(f"{'OPD' if lang == 'id' else 'agency'} {s.agency}")
    if s.platform:
        parts.append(f"{'platform' if lang == 'id' else 'on'} {platform_name(s.platform, lang)}")
    return f" ({', '.join(parts)})" if parts else ""


def _received(s: Summary, lang: str) -> str:
    period, scope = period_label(s.period_start, s.period_end, lang), _scope(s, lang)
    n = lambda x: fmt_int(x, lang)  # noqa: E731
    p = lambda x: fmt_pct(x, lang)  # noqa: E731
    share = lambda x: p(100 * x / s.received if s.received else None)  # noqa: E731
    if lang == "id":
        text = f"Selama periode {period}{scope}, Pemerintah Kota Surakarta menerima {n(s.received)} aduan melalui media sosial."
        if s.received:
            text += (
                f" Sebanyak {n(s.received_answered)} aduan ({share(s.received_answered)}) telah dijawab dan"
                f" {n(s.in_progress)} aduan ({share(s.in_progress)}) masih dalam proses"
            )
            text += f"; {n(s.received_closed)} ditutup tanpa jawaban." if s.received_closed else "."
            channels = [f"{platform_name(c, lang)} ({share(k)})" for c, k in s.received_by_platform[:3]]
            text += f" Kanal terbanyak adalah {_list(channels, lang)}."
            peaks = _list([fmt_date(d, lang) for d, _k in s.peak_days], lang)
            text += f" Puncak aduan terjadi pada {peaks} ({n(s.peak_days[0][1])} aduan per hari)"
            hour = s.peak_hour
            text += f", terbanyak pukul {hour:02d}.00–{(hour + 1) % 24:02d}.00 WIB." if hour is not None else "."
        return text
    text = f"In the period {period}{scope}, the City of Surakarta received {_en(s.received, 'complaint')} through social media."
    if s.received:
        text += (
            f" {n(s.received_answered)} ({share(s.received_answered)}) have been answered and"
            f" {n(s.in_progress)} ({share(s.in_progress)}) are still in progress"
        )
        text += f"; {n(s.received_closed)} were closed without an answer." if s.received_closed else "."
        channels = [f"{platform_name(c, lang)} ({share(k)})" for c, k in s.received_by_platform[:3]]
        text += f" The busiest channels were {_list(channels, lang)}."
        peaks = _list([fmt_date(d, lang) for d, _k in s.peak_days], lang)
        text += f" Complaints peaked on {peaks} ({n(s.peak_days[0][1])} a day)"
        hour = s.peak_hour
        text += f", most of them between {hour:02d}:00 and {(hour + 1) % 24:02d}:00 WIB." if hour is not None else "."
    return text


def _late(s: Summary):
    """Agencies with late answers, the most first."""
    return sorted((a for a in s.agencies if a.late), key=lambda a: (-a.late, a.name.casefold()))


def _late_agencies(s: Summary, lang: str) -> str:
    return _list([f"{a.name or '–'} {fmt_int(a.late, lang)}" for a in _late(s)], lang, most=MOST)


def _answered(s: Summary, lang: str) -> str:
    n = lambda x: fmt_int(x, lang)  # noqa: E731
    p = lambda x: fmt_pct(x, lang)  # noqa: E731
    h = lambda x: fmt_num(x, lang, 1)  # noqa: E731
    if not s.answered:
        if lang == "id":
            return "Belum ada jawaban yang diunggah ke media sosial pada periode ini."
        return "No answer was posted on social media in this period."
    categories = [(c or ("tanpa kategori" if lang == "id" else "uncategorised"), k) for c, k in s.by_category]
    top, rest = categories[0], categories[1:4]
    steps = _list([f"{'langkah' if lang == 'id' else 'step'} {k} {p(s.step_pct(k))}" for k in STEPS], lang)
    if lang == "id":
        text = (
            f"Pada periode ini {n(s.answered)} jawaban diunggah ke media sosial, dengan median waktu jawab"
            f" {h(s.median_hours)} jam (persentil ke-90: {h(s.p90_hours)} jam)."
        )
        if s.late:
            text += f" Sebanyak {n(s.late)} jawaban melewati batas {_hours_id(s.late_hours)} ({_late_agencies(s, lang)})."
        else:
            text += f" Tidak ada jawaban yang melewati batas {_hours_id(s.late_hours)}."
        text += f" {n(s.outside_sop)} aduan tidak memenuhi mutu baku waktu SOP pada salah satu langkahnya."
        text += f" Dari aduan yang dijawab, kategori terbanyak adalah {top[0]} dengan {n(top[1])} aduan"
        text += f", disusul {_list([f'{c} ({n(k)})' for c, k in rest], lang)}." if rest else "."
        text += f" Topik yang paling sering muncul: {_topics(s, lang)}." if s.topics else ""
        if s.external:
            text += f" Aduan untuk instansi di luar Pemerintah Kota: {_external(s, lang)}."
        return text + f" Pencapaian waktu SOP: {steps}."
    text = (
        f"In this period {_en(s.answered, 'answer')} {'was' if s.answered == 1 else 'were'} posted on social media,"
        " with a median answer time of"
        f" {h(s.median_hours)} hours (90th percentile: {h(s.p90_hours)} hours)."
    )
    if s.late:
        text += f" {_en(s.late, 'answer')} took longer than {s.late_hours} hours ({_late_agencies(s, lang)})."
    else:
        text += f" No answer took longer than {s.late_hours} hours."
    text += f" {_en(s.outside_sop, 'complaint')} missed the SOP's standard time in at least one step."
    text += f" Among the answered complaints, the top category was {top[0]} with {_en(top[1], 'complaint')}"
    text += f", followed by {_list([f'{c} ({n(k)})' for c, k in rest], lang)}." if rest else "."
    text += f" The most frequent topics: {_topics(s, lang)}." if s.topics else ""
    if s.external:
        text += f" Complaints for bodies outside the city government: {_external(s, lang)}."
    return text + f" SOP time achievement: {steps}."


def _external(s: Summary, lang: str) -> str:
    return _list([f"{a.name} ({fmt_int(a.answered, lang)})" for a in s.external], lang, most=MOST)


def _hours_id(hours: int) -> str:
    return f"{hours // 24}×24 jam" if hours % 24 == 0 else f"{hours} jam"


def _closing(s: Summary, lang: str) -> str:
    slow = [a.name for a in _late(s)][:3]
    if lang == "id":
        text = "Direkomendasikan verifikasi lapangan atas aduan yang berulang"
        text += f", percepatan tindak lanjut oleh {_list(slow, lang)}" if slow else ""
        return text + ", serta koordinasi lintas OPD untuk aduan yang melibatkan lebih dari satu instansi."
    text = "We recommend field verification of recurring complaints"
    text += f", faster follow-up by {_list(slow, lang)}" if slow else ""
    return text + ", and coordination between agencies on complaints that involve more than one."
