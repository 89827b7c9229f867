"""`sigap generate --complaints N`: realistic synthetic complaints, fast enough for a million.

Each complaint is walked through the SOP the way `sigap.cases.actions` would have walked it —
received, registered, forwarded, answered, approved, posted — with the message it came from,
its step clocks (deadlines from the working calendar, realistic delays, some steps late, a few
complaints stuck with their agency), its answers and its audit events. Rows are written in
batches with COPY on PostgreSQL (bulk inserts elsewhere) instead of through the actions, which
would take days for a million: the actions stay the only way *real* work changes a complaint.

Texts are composed from the fake platform's citizens (sigap.fakeplatform.texts, written for
Sigap); `--texts CSV` mixes in real public complaint texts read at run time (nothing is shipped).
"""

import csv
import json
import random
import time
from bisect import bisect
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import Max
from django.utils import timezone

from sigap.agencies.models import Agency, Category, Kelurahan
from sigap.cases.management.commands.demo import USERS as DEMO_USERS
from sigap.cases.models import Answer, Complaint, Event, Message, Status, Step
from sigap.fakeplatform import texts as citizen
from sigap.lib import tracking
from sigap.lib.workdays import JAKARTA
from sigap.people.models import Role, User
from sigap.platforms.models import Account
from sigap.sop.models import SopVersion, work_calendar
from sigap.triage.models import RoutingDecision, RoutingSuggestion

# Where Solo's complaints come from (shares of the city's accounts' traffic, roughly).
PLATFORMS = [("instagram", 34), ("x", 20), ("facebook", 16), ("whatsapp", 14), ("tiktok", 10), ("youtube", 6)]
# When citizens post, by hour of the day in WIB: quiet at night, busiest in the evening.
HOURS = [1, 1, 1, 1, 1, 2, 4, 6, 7, 7, 7, 6, 6, 6, 6, 6, 6, 7, 8, 9, 9, 8, 5, 3]
# The fake citizens' topics, as Surakarta's ULAS categories (sigap/agencies/data/categories.csv).
TOPIC_CATEGORY = {
    "penerangan jalan": "Penerangan Jalan Umum",
    "jalan rusak": "Jalan dan Drainase",
    "sampah": "Lingkungan Hidup",
    "drainase dan banjir": "Jalan dan Drainase",
    "parkir liar": "Perparkiran",
    "lampu lalu lintas": "Perhubungan",
    "bantuan sosial": "Bantuan Sosial",
    "layanan kesehatan": "Kesehatan",
    "air PDAM": "Pelayanan PDAM",
    "kebisingan": "Ketentraman dan Ketertiban",
    "pohon tumbang": "Lingkungan Hidup",
    "hewan liar": "Ketentraman dan Ketertiban",
    "ketertiban pasar": "Ketentraman dan Ketertiban",
    "administrasi kependudukan": None,
    "fasilitas umum": "Jalan dan Drainase",
}
ANSWERS = [
    "Terima kasih atas laporannya. Petugas {agency} sudah meninjau lokasi dan penanganan dijadwalkan minggu ini.",
    "Terima kasih, aduan sudah kami terima dan diteruskan ke tim lapangan {agency}. Mohon ditunggu tindak lanjutnya.",
    "Matur nuwun laporannya. Tim {agency} sudah menangani hari ini; bila masih ada kendala silakan kabari kami lagi.",
    "Terima kasih atas informasinya. {agency} akan melakukan pengecekan dan perbaikan sesuai jadwal pemeliharaan.",
]
RETURN_REASONS = ["Mohon lengkapi waktu penanganan.", "Jawaban belum menjawab lokasi yang diadukan.", "Sebutkan petugas yang menangani."]
CLOSE_REASONS = ["bukan aduan", "spam", "aduan ganda di luar kewenangan Pemkot"]
PERMALINK = {
    "instagram": "https://www.instagram.com/p/{code}/",
    "facebook": "https://www.facebook.com/pemkotsolo/posts/{code}",
    "x": "https://x.com/i/status/{code}",
    "tiktok": "https://www.tiktok.com/@pemkot.surakarta/video/{code}",
    "youtube": "https://www.youtube.com/watch?v={code}",
    "whatsapp": "",
}
FROM_CHANNEL = 0.75  # the rest were entered with the Form Aduan Media Sosial
BATCH = 5000


def _weighted(pairs):
    values, weights = zip(*pairs, strict=True)
    return list(values), list(accumulate(weights))


class Progress:
    """A bar on stderr with rate and time left: redrawn in place on a terminal, a line per 10% elsewhere."""

    def __init__(self, total: int, stream) -> None:
        self.total, self.stream, self.started = max(total, 1), stream, time.monotonic()
        self.tty, self.shown = stream.isatty(), -1

    def __call__(self, done: int) -> None:
        percent = min(100, done * 100 // self.total)
        step = 1 if self.tty else 10
        if percent == self.shown or (percent // step == self.shown // step and percent < 100):
            return
        self.shown = percent
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed else 0.0
        left = (self.total - done) / rate if rate else 0.0
        bar = "#" * (percent // 5) + "-" * (20 - percent // 5)
        line = f"[{bar}] {percent:3d}%  {done:,}/{self.total:,} complaints  {rate:,.0f}/s  {_clock(elapsed)} elapsed, {_clock(left)} left"
        end = "\n" if not self.tty or percent == 100 else ""
        self.stream.write(f"\r{line}" if self.tty else line, ending=end)
        self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s"


@dataclass
class Draft:
    """A complaint being made up: what `_walk` decides, then written as rows by `_write`."""

    id: int
    platform: str
    channel: bool
    account_id: int | None
    text: str
    category: Category | None
    kelurahan_id: int | None
    name: str
    handle: str
    author: str
    contact: str
    thread: str
    permalink: str
    posted: datetime
    received: datetime
    updated: datetime
    number: str
    status: str = Status.RECEIVED
    agency: Agency | None = None
    closed_at: datetime | None = None
    merged_into: int | None = None
    suggested: tuple = (None, None)  # the routing suggestion's top category and agency ids

    @property
    def thread_key(self) -> str:
        return f"{self.platform}:{self.account_id or ''}:{self.thread}:{self.author}" if self.channel else ""


class Table:
    """Rows for one model, in a fixed column order, written in one go (COPY on PostgreSQL).

    Columns the generator does not set get the field's default, so a field added later by a
    migration does not break the generator.
    """

    def __init__(self, model, columns: list[str]):
        self.model, self.columns = model, columns
        self.fields = fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise CommandError(f"{model.__name__} has no column(s) {unknown}")
        self.extra = [f for name, f in fields.items() if name not in columns]
        self.extra_values = tuple(f.get_default() for f in self.extra)
        self.json = {i for i, c in enumerate(columns) if fields[c].get_internal_type() == "JSONField"}
        self.json |= {len(columns) + i for i, f in enumerate(self.extra) if f.get_internal_type() == "JSONField"}
        self.rows: list[tuple] = []

    def add(self, *values) -> None:
        self.rows.append(values)

    def take(self) -> list[tuple]:
        rows, self.rows = self.rows, []
        return rows

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        if connection.vendor == "postgresql":
            self._copy(rows)
        else:
            names = self.columns + [f.attname for f in self.extra]
            self.model.objects.bulk_create(
                [self.model(**dict(zip(names, row + self.extra_values, strict=True))) for row in rows], batch_size=500
            )

    def _copy(self, rows: list[tuple]) -> None:
        meta = self.model._meta
        names = [self.fields[c].column for c in self.columns] + [f.column for f in self.extra]
        quoted = ", ".join(connection.ops.quote_name(n) for n in names)
        extra = tuple(json.dumps(v) if len(self.columns) + i in self.json else v for i, v in enumerate(self.extra_values))
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {meta.db_table} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                if self.json:
                    row = tuple(json.dumps(v) if i in self.json else v for i, v in enumerate(row))
                copy.write_row(row + extra)


class FastCalendar:
    """The working calendar's `add`, over office windows worked out once: the same deadlines, much faster.

    WorkCalendar.add walks the days from each start; a million complaints need a few million
    deadlines, so here the (opening, closing) pairs of the whole period sit in a list and a
    deadline is a binary search. Outside that period it asks the calendar itself.
    """

    def __init__(self, calendar, first: date, last: date):
        self.calendar = calendar
        self.day_length = calendar.office_day_length()
        self.opens: list[datetime] = []
        self.closes: list[datetime] = []
        day = first
        while day <= last:
            if calendar.is_working_day(day):
                self.opens.append(datetime.combine(day, calendar.office_start, tzinfo=JAKARTA).astimezone(UTC))
                self.closes.append(datetime.combine(day, calendar.office_end, tzinfo=JAKARTA).astimezone(UTC))
            day += timedelta(days=1)

    def add(self, start: datetime, amount: int, unit: str, clock: str) -> datetime:
        if unit == "workdays" or (unit == "days" and clock == "office"):
            return self._office(start, amount * self.day_length, amount, unit, clock)
        if unit == "days":
            return start + timedelta(days=amount)
        span = timedelta(minutes=amount) if unit == "minutes" else timedelta(hours=amount)
        return self._office(start, span, amount, unit, clock) if clock == "office" else start + span

    def _office(self, start: datetime, span: timedelta, amount: int, unit: str, clock: str) -> datetime:
        i = bisect(self.closes, start)  # the first window still open after start
        if not self.opens or start < self.opens[0]:
            return self.calendar.add(start, amount, unit, clock)
        remaining = span
        while i < len(self.opens):
            begin = max(start, self.opens[i])
            available = self.closes[i] - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
            i += 1
        return self.calendar.add(start, amount, unit, clock)


class Generator:
    def __init__(self, *, seed: int, days: int, texts: list[tuple[str, str | None]], now: datetime, stdout):
        self.rng = random.Random(seed)
        self.fast = True
        self.days, self.now, self.stdout = days, now, stdout
        self.file_texts = texts
        self.sop = SopVersion.current()
        self.sop_steps = {s.number: s for s in self.sop.steps.all()}
        missing = {2, 3, 4, 5} - set(self.sop_steps)
        if missing:
            raise CommandError(f"the current SOP has no step(s) {sorted(missing)}")
        first = timezone.localdate(now, JAKARTA) - timedelta(days=days + 1)
        self.calendar = FastCalendar(work_calendar(), first, timezone.localdate(now, JAKARTA) + timedelta(days=60))
        self.categories = {c.name: c for c in Category.objects.filter(active=True).select_related("usual_agency")}
        if not self.categories:
            raise CommandError("no categories: run `sigap migrate` first")
        self.category_names = sorted(self.categories)
        # Topics without a ULAS category of their own (e.g. KTP-el) go to the civil registry.
        self.fallback_agency = Agency.objects.filter(code="DISPENDUKCAPIL").first() or Agency.objects.first()
        self.kelurahan = {(k.kecamatan, k.name): k.pk for k in Kelurahan.objects.all()}
        self.kelurahan_names = {pk: name for (_, name), pk in self.kelurahan.items()}
        self.kelurahan_ids = list(self.kelurahan.values()) or [None]
        self.accounts = {a.platform: a.pk for a in Account.objects.filter(active=True)}
        self.users = self._users()
        self.platforms, self.platform_weights = _weighted(PLATFORMS)
        self.hours = list(accumulate(HOURS))
        self.taken: set[str] = set(
            Complaint.objects.exclude(tracking_number=None).values_list("tracking_number", flat=True).iterator()
        )
        self.prefix = settings.SIGAP_TRACKING_PREFIX
        self.complaints = Table(
            Complaint,
            [
                "id", "tracking_number", "sop_id", "status", "round", "platform", "account_id", "complainant_id",
                "complainant_handle", "complainant_name", "contact", "text", "permalink", "posted_at", "received_at",
                "thread_key", "category_id", "agency_id", "kelurahan_id", "confidential", "anonymous", "merged_into_id",
                "created_by_id", "updated_at", "closed_at",
            ],
        )  # fmt: skip
        self.messages = Table(
            Message,
            [
                "id", "complaint_id", "platform", "account_id", "external_id", "kind", "thread_id", "author_id",
                "author_handle", "author_name", "text", "permalink", "posted_at", "received_at", "raw", "triage_state",
            ],
        )  # fmt: skip
        self.steps = Table(
            Step,
            [
                "id", "complaint_id", "sop_step_id", "number", "round", "role", "started_at", "due_at", "completed_at",
                "completed_by_id", "outcome", "on_time", "overdue_at",
            ],
        )  # fmt: skip
        self.answers = Table(
            Answer,
            [
                "id", "complaint_id", "round", "agency_id", "text", "status", "created_by_id", "created_at",
                "reviewed_by_id", "reviewed_at", "review_reason", "posted_link", "posted_at",
            ],
        )  # fmt: skip
        self.events = Table(Event, ["id", "complaint_id", "actor_id", "actor_name", "kind", "at", "data"])
        # Every complaint is routed when it opens, and a person confirms or corrects it before forwarding.
        self.suggestions = Table(
            RoutingSuggestion, ["id", "complaint_id", "mode", "categories", "agencies", "places", "pii", "created_at"]
        )
        self.decisions = Table(
            RoutingDecision,
            ["id", "complaint_id", "kind", "suggested_category_id", "suggested_agency_id", "category_id", "agency_id", "by_id", "at"],
        )  # fmt: skip
        self.ids = {t: (t.model.objects.aggregate(m=Max("pk"))["m"] or 0) for t in self.tables()}

    def tables(self) -> list[Table]:
        return [self.complaints, self.messages, self.steps, self.answers, self.events, self.suggestions, self.decisions]

    def _users(self) -> dict:
        """The demo desk (`sigap demo`) if it is there, else whoever holds each role, else nobody."""
        users = {}
        for role in (Role.PROCESSOR, Role.REVIEWER):
            demo = [name for name, r, _code, _full in DEMO_USERS if r == role]
            user = User.objects.filter(username__in=demo).first() or User.objects.filter(role=role).first()
            users[role] = (user.pk, user.get_username()) if user else (None, "sigap")
        users["liaison"] = {
            u.agency_id: (u.pk, u.get_username()) for u in User.objects.filter(role=Role.LIAISON).exclude(agency=None)
        }
        return users

    def _next(self, table: Table) -> int:
        self.ids[table] += 1
        return self.ids[table]

    # Times ---------------------------------------------------------------------------------

    def posted_times(self, n: int) -> list[datetime]:
        """n posting times over the last `days` days, by the hour profile of a day, oldest first."""
        rng, today = self.rng, timezone.localdate(self.now, JAKARTA)
        stamps = []
        for _ in range(n):
            day = today - timedelta(days=rng.randrange(self.days))
            hour = bisect(self.hours, rng.random() * self.hours[-1])
            local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=JAKARTA)
            moment = local.astimezone(UTC)
            if moment > self.now - timedelta(minutes=2):  # receiving takes a moment: nothing posted just now
                moment = self.now - timedelta(seconds=rng.randint(120, 3600))
            stamps.append(moment)
        stamps.sort()
        return stamps

    def _due(self, number: int, start: datetime) -> datetime:
        s = self.sop_steps[number]
        return self.calendar.add(start, s.amount, s.unit, s.clock)

    def _office_later(self, start: datetime, minutes: float) -> datetime:
        return self.calendar.add(start, max(1, int(minutes)), "minutes", "office")

    def _minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))

    def _late(self, mean_minutes: float) -> timedelta:
        return timedelta(minutes=1 + self.rng.expovariate(1 / mean_minutes))

    # One complaint ------------------------------------------------------------------------

    def _text(self) -> tuple[str, Category | None, int | None]:
        rng = self.rng
        if self.file_texts and rng.random() < 0.5:
            text, category_name = rng.choice(self.file_texts)
            return text, self.categories.get(category_name or ""), rng.choice(self.kelurahan_ids)
        kecamatan, kelurahan = rng.choice(citizen.wilayah())
        values = citizen.slots(rng, kecamatan, kelurahan)
        topic, text = citizen.complaint(rng, values)
        if rng.random() < 0.1:
            text += citizen.EDITS[rng.randrange(len(citizen.EDITS))].format(**values)
        return text, self.categories.get(TOPIC_CATEGORY.get(topic) or ""), self.kelurahan.get((kecamatan, kelurahan))

    def _tracking_number(self) -> str:
        rng, alphabet = self.rng, tracking.ALPHABET
        while True:
            body = "".join(rng.choices(alphabet, k=tracking.RANDOM_LENGTH))
            number = tracking.format_number(self.prefix, body + tracking.check_char(body))
            if number not in self.taken:
                self.taken.add(number)
                return number

    def _step(self, cid, number, start, *, due=None, done=None, by=(None, ""), outcome="") -> None:
        sop_step = self.sop_steps[number]
        due = due or self._due(number, start)
        if done is not None and done > self.now:
            done = None
        on_time = None if done is None else done <= due
        # The clock watch would have noticed a late step a minute after its deadline.
        noticed = due + timedelta(minutes=1)
        overdue_at = noticed if noticed <= (done or self.now) else None
        self.steps.add(
            self._next(self.steps), cid, sop_step.pk, number, 1, sop_step.role, start, due, done,
            by[0] if done else None, outcome if done else "", on_time, overdue_at,
        )  # fmt: skip

    def _event(self, cid, kind, at, by, **data) -> None:
        if at <= self.now:
            self.events.add(self._next(self.events), cid, by[0], by[1], kind, at, data)

    def complaint(self, posted: datetime, previous: list[int]) -> None:
        """One complaint, walked through steps 2–5 until its story ends or reaches now."""
        c = self._draft(posted)
        self._walk(c, previous)
        self._write(c)

    def _draft(self, posted: datetime) -> "Draft":
        rng = self.rng
        cid = self._next(self.complaints)
        platform = self.platforms[bisect(self.platform_weights, rng.random() * self.platform_weights[-1])]
        text, category, kelurahan_id = self._text()
        first, last = rng.choice(citizen.FIRST_NAMES), rng.choice(citizen.LAST_NAMES)
        channel = rng.random() < FROM_CHANNEL
        account_id = self.accounts.get(platform) if channel else None
        return Draft(
            id=cid,
            platform=platform,
            channel=channel,
            account_id=account_id,
            text=text,
            category=category,
            kelurahan_id=kelurahan_id,
            name=f"{first} {last}".strip(),
            handle="" if platform == "whatsapp" else f"{first.lower()}{rng.choice(['', '_', '.'])}{(last or 'solo').lower()}{rng.randint(1, 99)}",
            author=str(rng.randrange(10**14, 10**15)),
            contact=f"08{rng.randrange(10**9, 10**10)}" if platform == "whatsapp" else "",
            thread=f"t{cid}" if channel else "",
            permalink=PERMALINK[platform].format(code=f"{cid:x}{rng.randrange(16**6):06x}"),
            posted=posted,
            received=posted,
            updated=posted,
            number=self._tracking_number(),
        )

    def _walk(self, c: "Draft", previous: list[int]) -> None:
        rng, now = self.rng, self.now
        processor, reviewer = self.users[Role.PROCESSOR], self.users[Role.REVIEWER]
        desk = (None, "sigap") if c.channel else processor

        # Step 2: from the citizen's post to Sigap receiving it (60 minutes, around the clock).
        late = rng.random() < 0.1
        received = c.posted + (timedelta(minutes=60) + self._late(90) if late else self._minutes(1, 55))
        c.received = c.updated = min(received, now - timedelta(seconds=30))
        if not c.channel and c.category is not None:
            c.agency = c.category.usual_agency  # the form asks for the category
        self._step(c.id, 2, c.posted, done=c.received, by=desk, outcome="received")
        self._event(c.id, "received", c.received, desk, platform=c.platform, via="channel" if c.channel else "form")
        self._suggest(c)

        # Step 3: register and tell the complainant the number (1 working day, office hours).
        due3 = self._due(3, c.received)
        if rng.random() < 0.9:
            registered = self._office_later(c.received, rng.uniform(5, 420))
        else:
            registered = self._office_later(due3, rng.expovariate(1 / 180))
        fate = rng.random()
        if fate < 0.03:  # not a complaint after all: closed at step 3
            reason = rng.choice(CLOSE_REASONS)
            self._step(c.id, 3, c.received, due=due3, done=registered, by=processor, outcome=f"closed: {reason}")
            if registered <= now:
                c.status, c.closed_at, c.updated = Status.CLOSED, registered, registered
                self._event(c.id, "closed", registered, processor, reason=reason)
            return
        self._step(c.id, 3, c.received, due=due3, done=registered, by=processor, outcome=f"acknowledged via {c.platform}")
        if registered > now:
            return
        c.status, c.updated = Status.REGISTERED, registered
        self._event(c.id, "registered", registered, processor, tracking_number=c.number, ack_via=c.platform, ack_link="", note="")

        # Step 4: forward to the agency, the agency answers, the reviewer approves (60 minutes).
        if fate < 0.04 and previous:  # a duplicate of an earlier complaint
            merged_at = registered + self._minutes(2, 40)
            into = rng.choice(previous)
            self._step(c.id, 4, registered, done=merged_at, by=reviewer, outcome=f"merged into #{into}")
            if merged_at <= now:
                c.status, c.closed_at, c.merged_into, c.updated = Status.MERGED, merged_at, into, merged_at
                self._event(c.id, "merged", merged_at, reviewer, into=f"#{into}")
            return
        category = c.category or self.categories[rng.choice(self.category_names)]
        agency = category.usual_agency or self.fallback_agency
        forwarded = registered + self._minutes(2, 25)
        stuck = fate > 0.997  # the agency never answered: overdue until someone acts
        if rng.random() < 0.7:
            answered = forwarded + self._minutes(5, 30)
            approved = answered + self._minutes(1, 8)
        else:
            answered = forwarded + self._late(360)
            approved = answered + self._late(45)
        returned = rng.random() < 0.04
        if returned:
            approved += self._late(240)
        liaison = self.users["liaison"].get(agency.pk, reviewer)
        self._step(c.id, 4, registered, done=None if stuck else approved, by=reviewer, outcome="answer approved")
        if forwarded > now:
            return
        self._decide(c, category, agency, registered + (forwarded - registered) / 2, processor)
        c.status, c.updated, c.category, c.agency = Status.FORWARDED, forwarded, category, agency
        changes = {"agency": ["", str(agency)], "category": ["", str(category)]}
        self._event(c.id, "forwarded", forwarded, reviewer, agency=agency.code, note="", changes=changes)
        if stuck or answered > now:
            return
        answer_text = rng.choice(ANSWERS).format(agency=agency.abbreviation or agency.name)
        if returned:
            back = answered + self._minutes(5, 60)
            done = back <= now
            self.answers.add(
                self._next(self.answers), c.id, 1, agency.pk, answer_text, Answer.Status.RETURNED, liaison[0], answered,
                reviewer[0] if done else None, back if done else None, RETURN_REASONS[c.id % 3] if done else "", "", None,
            )  # fmt: skip
            self._event(c.id, "answered", answered, liaison, answer=self.ids[self.answers], agency=agency.code)
            c.status, c.updated = Status.ANSWERED, answered
            if not done:
                return
            self._event(c.id, "returned", back, reviewer, answer=self.ids[self.answers], reason=RETURN_REASONS[c.id % 3])
            c.status, c.updated = Status.FORWARDED, back
            answered = back + (approved - back) * 0.8
            if answered > now:
                return
        approved_now = approved <= now
        due5 = self._due(5, approved)
        if rng.random() < 0.9:
            posted_back = self._office_later(approved, rng.uniform(10, 400))
        else:
            posted_back = self._office_later(due5, rng.expovariate(1 / 240))
        is_posted = approved_now and posted_back <= now
        link = f"{c.permalink}#reply" if is_posted and c.permalink else ""
        self.answers.add(
            self._next(self.answers), c.id, 1, agency.pk, answer_text,
            Answer.Status.APPROVED if approved_now else Answer.Status.SUBMITTED, liaison[0], answered,
            reviewer[0] if approved_now else None, approved if approved_now else None, "",
            link, posted_back if is_posted else None,
        )  # fmt: skip
        answer_id = self.ids[self.answers]
        self._event(c.id, "answered", answered, liaison, answer=answer_id, agency=agency.code)
        c.status, c.updated = Status.ANSWERED, answered
        if not approved_now:
            return
        c.status, c.updated = Status.APPROVED, approved
        self._event(c.id, "approved", approved, reviewer, answer=answer_id)

        # Step 5: post the approved answer where the citizen asked (1 working day, office hours).
        self._step(c.id, 5, approved, due=due5, done=posted_back, by=processor, outcome="answer posted")
        if is_posted:
            c.status, c.updated = Status.POSTED, posted_back
            self._event(c.id, "posted", posted_back, processor, link=link)

    def _suggest(self, c: "Draft") -> None:
        """The router's top three: mostly right (the category the text is about), scores falling."""
        rng = self.rng
        names = rng.sample(self.category_names, 3)
        if c.category is not None and rng.random() < 0.85:
            names = [c.category.name, *(n for n in names if n != c.category.name)][:3]
        scores = sorted((rng.uniform(0.05, 1) for _ in names), reverse=True)
        total = sum(scores)
        scores = [round(score / total, 4) for score in scores]
        categories = [{"id": self.categories[n].pk, "name": n, "score": v} for n, v in zip(names, scores)]
        agencies, seen = [], set()
        for n, v in zip(names, scores):
            agency = self.categories[n].usual_agency or self.fallback_agency
            if agency.pk not in seen:
                seen.add(agency.pk)
                agencies.append({"id": agency.pk, "code": agency.code, "name": agency.name, "score": v})
        c.suggested = (categories[0]["id"], agencies[0]["id"])
        place = self.kelurahan_names.get(c.kelurahan_id)
        places = [{"kind": "kelurahan", "name": place, "kecamatan": None}] if place else []
        self.suggestions.add(self._next(self.suggestions), c.id, "keywords", categories, agencies, places, [], c.received)

    def _decide(self, c: "Draft", category, agency, at: datetime, by: tuple) -> None:
        kind = "confirmed" if (category.pk, agency.pk) == c.suggested else "corrected"
        self.decisions.add(self._next(self.decisions), c.id, kind, *c.suggested, category.pk, agency.pk, by[0], at)
        changes = {} if kind == "confirmed" else {"category": ["", str(category)], "agency": ["", str(agency)]}
        self._event(c.id, f"routing_{kind}", at, by, category=str(category), agency=agency.code, changes=changes)

    def _write(self, c: "Draft") -> None:
        rng = self.rng
        # A channel's complaint gets its category when it is forwarded; the form asks for it at once.
        category_id = c.category.pk if c.category and (c.agency or not c.channel) else None
        self.complaints.add(
            c.id, c.number, self.sop.pk, c.status, 1, c.platform, c.account_id, c.author, c.handle, c.name, c.contact,
            c.text, c.permalink, c.posted, c.received, c.thread_key, category_id, c.agency.pk if c.agency else None,
            c.kelurahan_id, rng.random() < 0.02, rng.random() < 0.05, c.merged_into,
            None if c.channel else self.users[Role.PROCESSOR][0], c.updated, c.closed_at,
        )  # fmt: skip
        raw = {"generated": True} if c.channel else {"via": "form", "generated": True}
        self.messages.add(
            self._next(self.messages), c.id, c.platform, c.account_id, f"sgen-{c.id}", "comment" if c.channel else "post",
            c.thread, c.author, c.handle, c.name, c.text, c.permalink, c.posted, c.received, raw, "done" if c.channel else "",
        )  # fmt: skip
        if c.channel and rng.random() < 0.1:  # the citizen wrote again while it was open
            later = c.received + timedelta(hours=rng.uniform(1, 30))
            if later <= self.now:
                follow_up = citizen.pick(rng, citizen.FOLLOW_UPS, citizen.slots(rng, "", ""))
                self.messages.add(
                    self._next(self.messages), c.id, c.platform, c.account_id, f"sgen-{c.id}-2", "comment", c.thread,
                    c.author, c.handle, c.name, follow_up, "", later, later, {"generated": True}, "done",
                )  # fmt: skip
                self._event(c.id, "follow_up", later, (None, "sigap"), message=self.ids[self.messages])

    def take(self) -> list[tuple[Table, list[tuple]]]:
        """The rows made since the last call, table by table, in an order the foreign keys accept."""
        return [(table, table.take()) for table in self.tables()]

    def write(self, batch: list[tuple[Table, list[tuple]]]) -> None:
        with transaction.atomic():
            self._skip_checks()
            for table, rows in batch:
                table.write(rows)

    def _skip_checks(self) -> None:
        """On PostgreSQL, as a superuser, skip the foreign-key triggers: the rows are consistent by construction.

        Checking them costs more than writing the rows; anyone else gets the checks, just slower.
        """
        if connection.vendor != "postgresql" or not self.fast:
            return
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            self.fast = False

    def finish(self) -> None:
        """Identity sequences past the ids given here, and fresh planner statistics."""
        models = [t.model for t in self.tables()]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
            if connection.vendor == "postgresql":
                for model in models:
                    cursor.execute(f"ANALYZE {model._meta.db_table}")


def read_texts(path: Path, column: str | None, limit: int = 20000) -> list[tuple[str, str | None]]:
    """Complaint texts from a CSV (the first of keluhan, text, full_text unless --text-column), each with its category.

    The category comes from Sigap's own keyword routing (sigap.triage), decided once per text.
    """
    from sigap.triage.routing import default_keyword_router

    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            names = reader.fieldnames or []
            column = column or next((c for c in ("keluhan", "text", "full_text") if c in names), None)
            if column not in names:
                raise CommandError(f"{path}: no column {column or 'keluhan/text/full_text'} (columns: {', '.join(names)})")
            found = []
            for row in reader:
                text = (row.get(column) or "").strip()
                if 20 <= len(text) <= 2000:
                    found.append(text)
                if len(found) >= limit:
                    break
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CommandError(f"{path}: {exc}") from None
    if not found:
        raise CommandError(f"{path}: no usable texts in column {column}")
    router = default_keyword_router()
    out = []
    for text in found:
        best = router.route(text).categories
        out.append((text, best[0][0] if best else None))
    return out


class Command(BaseCommand):
    help = "Add N realistic synthetic complaints (with messages, step clocks, answers and events) for demos and load tests."

    def add_arguments(self, parser):
        parser.add_argument("--complaints", type=int, required=True, help="how many complaints to add")
        parser.add_argument("--days", type=int, default=730, help="spread them over this many past days (default 730)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed, for repeatable data")
        parser.add_argument("--texts", type=Path, help="a CSV of real complaint texts to mix in (half of the texts)")
        parser.add_argument("--text-column", help="the CSV's text column (default: keluhan, text or full_text)")
        parser.add_argument("--batch", type=int, default=BATCH, help=f"complaints per transaction (default {BATCH})")

    def handle(self, *args, complaints, days, seed, texts, text_column, batch, **options):
        if not 1 <= complaints <= 10_000_000:
            raise CommandError("--complaints must be between 1 and 10,000,000")
        if not 1 <= days <= 3650:
            raise CommandError("--days must be between 1 and 3650")
        if not 1 <= batch <= 100_000:
            raise CommandError("--batch must be between 1 and 100,000")
        pool = read_texts(texts, text_column) if texts else []
        started = time.monotonic()
        gen = Generator(seed=seed, days=days, texts=pool, now=timezone.now(), stdout=self.stdout)
        progress = Progress(complaints, self.stderr)
        stamps = gen.posted_times(complaints)
        totals: dict[str, int] = {}
        previous: list[int] = []
        # On PostgreSQL the next batch is made while the last one is written, on a connection of its own.
        threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = None
            for start in range(0, complaints, batch):
                for posted in stamps[start : start + batch]:
                    gen.complaint(posted, previous)
                    previous.append(gen.ids[gen.complaints])
                    if len(previous) > 200:
                        del previous[:100]
                rows = gen.take()
                for table, table_rows in rows:
                    totals[table.model.__name__] = totals.get(table.model.__name__, 0) + len(table_rows)
                if pending is not None:
                    pending.result()
                    progress(start)
                pending = pool.submit(gen.write, rows) if threaded else None
                if not threaded:
                    gen.write(rows)
                    progress(min(start + batch, complaints))
            if pending is not None:
                pending.result()
                progress(complaints)
                pool.submit(connections.close_all).result()
        gen.finish()
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{n:,} {name.lower()}s" for name, n in totals.items())
        self.stdout.write(self.style.SUCCESS(f"Added {summary} in {_clock(elapsed)}."))
