"""A recap's data, straight from the database: its rows, streamed, and the figures summed over them.

Nothing here formats. `xlsx`, `pdf`, `csv`, `narrative` and the report views render a RecapData.

Rows are read in chunks (a streaming cursor, then the chunk's steps, answers and replies in
three queries), so memory stays the same whether a recap has a hundred rows or a million. The summary
is summed on the way through; every figure that needs a distribution (median and 90th percentile
answer time) keeps a histogram by the minute rather than the values, for the same reason.

Definitions (the README repeats them):
- a complaint is *answered in the period* when its step 5 clock stopped in the period because the
  answer was posted (an Answer with posted_at) — not because it was closed or merged;
- *answer time* runs from the citizen's post (posted_at, where step 2 starts) to the answer posted
  (step 5 completed);
- *late* means an answer time over SIGAP_RECAP_LATE_HOURS (48: the city's 2×24 jam);
  *outside the SOP* means at least one of steps 2–5 finished after its due time;
- *received in the period* counts complaints by received_at (merged duplicates left out); of
  those, *answered* means answered before the period's end, *in progress* neither answered nor
  closed by then.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import connection, connections
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from sigap.agencies.models import Agency
from sigap.cases.models import Answer, Complaint, Reply, Status, Step
from sigap.recaps.topics import TopicCounter

STEPS = (2, 3, 4, 5)
CHUNK = 2000
# Bodies outside the city government (agencies.csv kinds), named apart in the weekly analysis.
EXTERNAL_KINDS = frozenset({"vertical", "external", "bumd"})
# More days than this and the received-per-day chart counts by month instead.
MAX_DAY_BUCKETS = 62


def posted_answer_steps() -> QuerySet[Step]:
    """Step 5 clocks stopped because the answer was posted (not by closing or merging)."""
    posted = Answer.objects.filter(
        complaint_id=OuterRef("complaint_id"), round=OuterRef("round"), posted_at__isnull=False
    )
    return Step.objects.filter(number=5, complaint__isnull=False, completed_at__isnull=False).filter(Exists(posted))


def answered_complaints(start: datetime, end: datetime, *, agency: Agency | None = None, platform: str = ""):
    """Complaints whose answer was posted (step 5 completed) in [start, end)."""
    steps = posted_answer_steps().filter(completed_at__gte=start, completed_at__lt=end)
    complaints = Complaint.objects.filter(pk__in=steps.values("complaint_id"))
    return _scoped(complaints, agency, platform)


def _scoped(complaints, agency: Agency | None, platform: str):
    if agency is not None:
        complaints = complaints.filter(agency=agency)
    if platform:
        complaints = complaints.filter(platform=platform)
    return complaints


def local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment, timezone.get_default_timezone()) if moment else None


# Rows ------------------------------------------------------------------------------------


@dataclass(slots=True)
class StepTime:
    started_at: datetime
    completed_at: datetime | None
    on_time: bool | None

    @property
    def hours(self) -> float | None:
        if self.completed_at is None:
            return None
        return (self.completed_at - self.started_at).total_seconds() / 3600


@dataclass(slots=True)
class Row:
    number: int
    complaint_id: int
    tracking_number: str
    platform: str
    permalink: str  # "" when confidential
    handle: str  # "" when hidden
    hidden: str  # "", "anonymous" or "confidential"
    posted_at: datetime
    received_at: datetime
    category: str
    agency_code: str
    agency: str
    agency_kind: str
    kecamatan: str
    kelurahan: str
    steps: dict[int, StepTime]
    answered_at: datetime
    answer: str
    answer_link: str
    text: str  # for the topics only; never written to a file

    @property
    def answer_seconds(self) -> float:
        return (self.answered_at - self.posted_at).total_seconds()

    @property
    def answer_hours(self) -> float:
        return self.answer_seconds / 3600

    @property
    def sop_ok(self) -> bool:
        return len(self.steps) == len(STEPS) and all(s.on_time for s in self.steps.values())


_COMPLAINT_FIELDS = (
    "pk", "tracking_number", "platform", "permalink", "complainant_handle", "anonymous", "confidential",
    "posted", "received", "text", "category__name", "agency__code", "agency__abbreviation", "agency__name",
    "agency__kind", "kelurahan__kecamatan", "kelurahan__name",
)  # fmt: skip


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _raw(queryset) -> Iterator[tuple]:
    """A values_list() queryset's rows as the database driver returns them, streamed.

    Django converts every value on the way out, and a recap reads a dozen datetimes per row: rows
    are read raw, through the same server-side cursor iterator() uses on PostgreSQL, and `_when`
    converts the datetimes.
    """
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


# SQLite keeps datetimes as UTC text. Parsed by Django and then made aware they cost some 4 µs
# each, the largest single cost of a recap; read as text and parsed with the zone attached, 0.5 µs.
# PostgreSQL's driver returns aware datetimes already.


def _sqlite() -> bool:
    return connection.vendor == "sqlite"


def _datetime(field: str):
    """A datetime field to select: as text on SQLite (see `_when`), as it is elsewhere."""
    return Cast(field, TextField()) if _sqlite() else F(field)


def _when(value) -> datetime | None:
    """A datetime from the driver: UTC text (SQLite, see `_datetime`) or aware already."""
    if value.__class__ is str:
        return datetime.fromisoformat(value + "+00:00")
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _flag(value) -> bool | None:
    return None if value is None else bool(value)


def _select(sql: str, ids: list[int]) -> list[tuple]:
    # Plain SQL with the chunk's ids: building an ORM `__in` lookup of 2,000 ids costs more than
    # running the query.
    when = "CAST({} AS TEXT)" if _sqlite() else "{}"
    with connection.cursor() as cursor:
        cursor.execute(sql.format(ids=", ".join(["%s"] * len(ids)), started=when.format("started_at"),
                                  completed=when.format("completed_at")), ids)  # fmt: skip
        return cursor.fetchall()


_STEPS = f"""SELECT complaint_id, number, round, {{started}}, {{completed}}, on_time FROM {Step._meta.db_table}
    WHERE complaint_id IN ({{ids}}) AND number IN {STEPS}"""
_ANSWERS = f"""SELECT complaint_id, round, text, posted_link FROM {Answer._meta.db_table}
    WHERE complaint_id IN ({{ids}}) AND posted_at IS NOT NULL"""
_REPLIES = f"""SELECT complaint_id, round, permalink FROM {Reply._meta.db_table}
    WHERE complaint_id IN ({{ids}}) AND kind = '{Reply.Kind.ANSWER.value}' AND permalink <> ''"""


def _details(ids: list[int]) -> tuple[dict, dict, dict]:
    """The steps, posted answers and answer replies of one chunk of complaints: three queries."""
    steps = defaultdict(list)
    for cid, number, rnd, started, completed, on_time in _select(_STEPS, ids):
        steps[cid].append((number, rnd, _when(started), _when(completed), _flag(on_time)))
    answers = {(cid, rnd): (text, link) for cid, rnd, text, link in _select(_ANSWERS, ids)}
    replies = {(cid, rnd): link for cid, rnd, link in _select(_REPLIES, ids)}
    return steps, answers, replies


def _answered_step(steps: list, answers: dict, cid: int, start: datetime, end: datetime):
    """The step 5 that answered the complaint in the period (the last, if it was answered twice)."""
    fives = [s for s in steps if s[0] == 5 and s[3] is not None and (cid, s[1]) in answers]
    in_period = [s for s in fives if start <= s[3] < end]
    # A recap keeps the complaints it listed; should one since have been answered again, the
    # answer from the recap's period still wins, then the latest.
    return max(in_period or fives, key=lambda s: s[3], default=None)


def _row(values: tuple, details: tuple, start: datetime, end: datetime) -> Row | None:
    (cid, tracking, platform, permalink, handle, anonymous, confidential, posted_at, received_at, text,
     category, agency_code, agency_abbr, agency_name, agency_kind, kecamatan, kelurahan) = values  # fmt: skip
    all_steps, answers, replies = details[0].get(cid, []), details[1], details[2]
    five = _answered_step(all_steps, answers, cid, start, end)
    if five is None:
        return None
    answered_round = five[1]
    steps = {}
    for number, rnd, started, completed, on_time in all_steps:
        # Steps 2 and 3 happen once; 4 and 5 once per round: take the answered round's.
        wanted = answered_round if number in (4, 5) else 1
        if rnd == wanted:
            steps[number] = StepTime(started, completed, on_time)
    answer, link = answers[(cid, answered_round)]
    hidden = "confidential" if confidential else "anonymous" if anonymous else ""
    return Row(
        number=0,
        complaint_id=cid,
        tracking_number=tracking or "",
        platform=platform,
        permalink="" if confidential else permalink,
        handle="" if hidden else handle,
        hidden=hidden,
        posted_at=_when(posted_at),
        received_at=_when(received_at),
        category=category or "",
        agency_code=agency_code or "",
        agency=agency_abbr or agency_name or "",
        agency_kind=agency_kind or "",
        kecamatan=kecamatan or "",
        kelurahan=kelurahan or "",
        steps=steps,
        answered_at=five[3],
        answer=answer,
        answer_link=link or replies.get((cid, answered_round), ""),
        text=text,
    )


# The summary -----------------------------------------------------------------------------


def quantile(histogram: Counter, q: float) -> float | None:
    """The q-quantile of the values counted in `histogram`, interpolated linearly (as numpy's default)."""
    n = sum(histogram.values())
    if not n:
        return None
    rank = q * (n - 1)
    low_rank, high_rank = int(rank), min(int(rank) + 1, n - 1)
    low = high = None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    return low + (high - low) * (rank - low_rank)


class AnswerTimes:
    """Answer-time figures of anything that counts `answered`, `late` and a `minutes` histogram."""

    @property
    def median_hours(self) -> float | None:
        value = quantile(self.minutes, 0.5)
        return None if value is None else value / 60

    @property
    def p90_hours(self) -> float | None:
        value = quantile(self.minutes, 0.9)
        return None if value is None else value / 60

    @property
    def within_pct(self) -> float | None:
        return pct(self.answered - self.late, self.answered)


@dataclass
class AgencyFigures(AnswerTimes):
    code: str
    name: str
    kind: str
    answered: int = 0
    late: int = 0  # answer time over the city's limit (2×24 jam)
    outside_sop: int = 0  # at least one of steps 2–5 late
    step4_on_time: int = 0
    step4_done: int = 0
    minutes: Counter = field(default_factory=Counter, repr=False)

    @property
    def step4_pct(self) -> float | None:
        return pct(self.step4_on_time, self.step4_done)


def pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


@dataclass
class Summary(AnswerTimes):
    period_start: datetime
    period_end: datetime
    agency: Agency | None
    platform: str
    generated_at: datetime
    late_hours: int
    # The recap's rows: answers posted in the period.
    answered: int = 0
    late: int = 0
    outside_sop: int = 0
    minutes: Counter = field(default_factory=Counter, repr=False)
    by_platform: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_kecamatan: list[tuple[str, int]] = field(default_factory=list)
    agencies: list[AgencyFigures] = field(default_factory=list)
    steps: dict[int, tuple[int, int]] = field(default_factory=dict)  # number → (on time, done)
    topics: list[tuple[str, int]] = field(default_factory=list)
    # Complaints received in the period, whatever became of them.
    received: int = 0
    received_answered: int = 0
    received_closed: int = 0
    received_by_platform: list[tuple[str, int]] = field(default_factory=list)
    per_bucket: list[tuple[date, int]] = field(default_factory=list)
    bucket: str = "day"  # or "month"
    per_hour: list[int] = field(default_factory=lambda: [0] * 24)
    peak_days: list[tuple[date, int]] = field(default_factory=list)
    # Sigap records no complainant gender: the figure is reported as unknown, not guessed.
    gender_known: bool = False

    @property
    def in_progress(self) -> int:
        return self.received - self.received_answered - self.received_closed

    @property
    def peak_hour(self) -> int | None:
        best = max(self.per_hour)
        return self.per_hour.index(best) if best else None

    def step_pct(self, number: int) -> float | None:
        on_time, done = self.steps.get(number, (0, 0))
        return pct(on_time, done)

    @property
    def external(self) -> list[AgencyFigures]:
        return [a for a in self.agencies if a.kind in EXTERNAL_KINDS]


class _Tally:
    """Sums one pass over the rows into a Summary."""

    def __init__(self, late_hours: int) -> None:
        self.late_seconds = late_hours * 3600
        self.answered = self.late = self.outside_sop = 0
        self.minutes = Counter()
        self.platform, self.category, self.kecamatan = Counter(), Counter(), Counter()
        self.agencies: dict[str, AgencyFigures] = {}
        self.steps = {n: [0, 0] for n in STEPS}
        self.topics = TopicCounter()

    def add(self, row: Row) -> None:
        seconds = row.answer_seconds
        minute = max(0, round(seconds / 60))
        late = seconds > self.late_seconds
        outside = not row.sop_ok
        self.answered += 1
        self.late += late
        self.outside_sop += outside
        self.minutes[minute] += 1
        self.platform[row.platform] += 1
        self.category[row.category] += 1
        self.kecamatan[row.kecamatan] += 1
        agency = self.agencies.get(row.agency_code)
        if agency is None:
            agency = self.agencies[row.agency_code] = AgencyFigures(row.agency_code, row.agency, row.agency_kind)
        agency.answered += 1
        agency.late += late
        agency.outside_sop += outside
        agency.minutes[minute] += 1
        for number, step in row.steps.items():
            if step.completed_at is not None:
                self.steps[number][1] += 1
                self.steps[number][0] += bool(step.on_time)
        if 4 in row.steps and row.steps[4].completed_at is not None:
            agency.step4_done += 1
            agency.step4_on_time += bool(row.steps[4].on_time)
        self.topics.add(row.text)

    def into(self, summary: Summary) -> Summary:
        summary.answered, summary.late, summary.outside_sop = self.answered, self.late, self.outside_sop
        summary.minutes = self.minutes
        summary.by_platform = _ranked(self.platform)
        summary.by_category = _ranked(self.category)
        summary.by_kecamatan = _ranked(self.kecamatan)
        summary.agencies = sorted(self.agencies.values(), key=lambda a: (-a.answered, a.name))
        summary.steps = {n: (on, done) for n, (on, done) in self.steps.items()}
        summary.topics = self.topics.top(10)
        return summary


def _ranked(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


# The recap -------------------------------------------------------------------------------


@dataclass
class RecapData:
    """One recap's data: a period and scope, or a Recap whose list of complaints is kept."""

    period_start: datetime
    period_end: datetime
    agency: Agency | None = None
    platform: str = ""
    recap: object | None = None  # sigap.recaps.models.Recap
    generated_at: datetime = field(default_factory=timezone.now)
    late_hours: int = field(default_factory=lambda: settings.SIGAP_RECAP_LATE_HOURS)
    _summary: Summary | None = field(default=None, repr=False)

    @classmethod
    def for_recap(cls, recap) -> RecapData:
        return cls(recap.period_start, recap.period_end, agency=recap.agency, platform=recap.platform, recap=recap)

    def complaints(self):
        if self.recap is not None:
            return Complaint.objects.filter(recaps=self.recap)
        return answered_complaints(self.period_start, self.period_end, agency=self.agency, platform=self.platform)

    def count(self) -> int:
        return self.complaints().count()

    def rows(
        self, *, limit: int | None = None, progress: Callable[[int], None] | None = None, summarize: bool = True
    ) -> Iterator[Row]:
        """The rows in order of receipt, numbered from 1.

        A full pass also sums the summary on the way, so rendering the XLSX first spares a
        second pass for the PDF; a pass stopped early (a limit, a closed generator) sums nothing.
        """
        wanted = summarize and self._summary is None and limit is None
        tally = _Tally(self.late_hours) if wanted else None
        complaints = (
            self.complaints()
            .annotate(posted=_datetime("posted_at"), received=_datetime("received_at"))
            .order_by("received_at", "pk")
            .values_list(*_COMPLAINT_FIELDS)
        )
        if limit is not None:
            complaints = complaints[:limit]
        number = 0
        for chunk in _chunks(_raw(complaints), CHUNK):
            details = _details([values[0] for values in chunk])
            for values in chunk:
                row = _row(values, details, self.period_start, self.period_end)
                if row is None:
                    continue
                number += 1
                row.number = number
                if tally is not None:
                    tally.add(row)
                yield row
            if progress is not None:
                progress(number)
        if tally is not None:
            self._summary = tally.into(self._received(self._blank_summary()))

    @property
    def summary(self) -> Summary:
        if self._summary is None:
            deque(self.rows(), maxlen=0)  # one pass, keeping nothing but the sums
        return self._summary

    def _blank_summary(self) -> Summary:
        return Summary(
            period_start=self.period_start,
            period_end=self.period_end,
            agency=self.agency,
            platform=self.platform,
            generated_at=self.generated_at,
            late_hours=self.late_hours,
        )

    def _received(self, summary: Summary) -> Summary:
        """Complaints received in the period: how many, answered or still in progress at its end, when."""
        start, end = self.period_start, self.period_end
        # The first posting of an answer, found through the complaint's own steps. (Written as
        # "exists an answer before the end", SQLite walks every step 5 of the period for each
        # complaint instead: quadratic.)
        first_answer = posted_answer_steps().filter(complaint_id=OuterRef("pk")).order_by("round").values("completed_at")
        received = (
            _scoped(Complaint.objects.filter(received_at__gte=start, received_at__lt=end), self.agency, self.platform)
            .exclude(status=Status.MERGED)
            .annotate(
                answered=Subquery(first_answer[:1]) if not _sqlite() else Cast(Subquery(first_answer[:1]), TextField()),
                received=_datetime("received_at"),
                closed=_datetime("closed_at"),
            )
            .order_by()
            .values_list("received", "platform", "answered", "status", "closed")
        )
        tz = timezone.get_default_timezone()
        days, platforms = Counter(), Counter()
        for received_at, platform, answered_at, status, closed_at in _raw(received):
            answered_at, closed_at = _when(answered_at), _when(closed_at)
            was_answered = answered_at is not None and answered_at < end
            at = _when(received_at).astimezone(tz)
            summary.received += 1
            summary.received_answered += was_answered
            summary.received_closed += (
                not was_answered and status == Status.CLOSED and closed_at is not None and closed_at < end
            )
            platforms[platform] += 1
            days[at.date()] += 1
            summary.per_hour[at.hour] += 1
        summary.received_by_platform = _ranked(platforms)
        summary.per_bucket, summary.bucket = _buckets(days, start, end)
        if days:
            best = max(days.values())
            summary.peak_days = sorted((day, n) for day, n in days.items() if n == best)
        return summary


def _buckets(days: Counter, start: datetime, end: datetime) -> tuple[list[tuple[date, int]], str]:
    """Received per day over the whole period (zeros included), or per month for long periods."""
    first = local(start).date()
    last = (local(end) - timedelta(microseconds=1)).date()
    if (last - first).days < MAX_DAY_BUCKETS:
        every_day = (first + timedelta(days=i) for i in range((last - first).days + 1))
        return [(day, days.get(day, 0)) for day in every_day], "day"
    months = Counter()
    for day, n in days.items():
        months[day.replace(day=1)] += n
    buckets, month = [], first.replace(day=1)
    while month <= last:
        buckets.append((month, months.get(month, 0)))
        month = (month + timedelta(days=32)).replace(day=1)
    return buckets, "month"
