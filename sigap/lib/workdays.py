"""The working calendar behind SOP standard times: office hours, weekends and Indonesian holidays.

Pure: no Django, no database, no wall clock. Every datetime passed in must be timezone-aware and
every datetime returned is in UTC, because that is what the database stores; the calendar itself
(which day it is, when the office opens) is read in Asia/Jakarta, where Surakarta's offices are.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays

UNITS = ("minutes", "hours", "workdays", "days")
CLOCKS = ("continuous", "office")

JAKARTA = ZoneInfo("Asia/Jakarta")
_ONE_DAY = timedelta(days=1)
_HOURS_PATTERN = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")


@dataclass(frozen=True)
class WorkCalendar:
    office_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday=0
    office_start: time = time(7, 30)  # local Asia/Jakarta
    office_end: time = time(16, 0)
    closed: frozenset[date] = frozenset()  # public holidays, cuti bersama, extra closure days

    def __post_init__(self) -> None:
        # An office that never opens would make every office-clock deadline loop forever.
        if not self.office_days:
            raise ValueError("a work calendar needs at least one office day")
        unknown = sorted(d for d in self.office_days if d not in range(7))
        if unknown:
            raise ValueError(f"unknown weekday(s) {unknown}: use 0=Monday … 6=Sunday")
        if self.office_end <= self.office_start:
            raise ValueError(f"office closes ({self.office_end:%H:%M}) before it opens ({self.office_start:%H:%M})")

    def is_working_day(self, d: date) -> bool:
        return d.weekday() in self.office_days and d not in self.closed

    def office_day_length(self) -> timedelta:
        return datetime.combine(date.min, self.office_end) - datetime.combine(date.min, self.office_start)

    def add(self, start: datetime, amount: int, unit: str, clock: str = "continuous") -> datetime:
        """The deadline `amount` `unit`s after `start`, in UTC."""
        _check_arguments(amount, unit, clock)
        start = _to_utc(start)
        if amount == 0:
            return start
        if unit == "workdays" or (unit == "days" and clock == "office"):
            return self._add_office_time(start, amount * self.office_day_length())
        if unit == "days":
            # Calendar days are 24-hour stretches, not "same wall-clock time": Jakarta has no DST,
            # and counting in UTC keeps that true if the calendar's zone ever changes.
            return start + amount * _ONE_DAY
        span = timedelta(minutes=amount) if unit == "minutes" else timedelta(hours=amount)
        return self._add_office_time(start, span) if clock == "office" else start + span

    def office_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Office time inside [a, b): what "time used" means for a step counted in office hours."""
        a, b = _to_utc(a), _to_utc(b)
        total = timedelta(0)
        if b <= a:
            return total
        for opens, closes in self._windows(a, until=b):
            total += max(timedelta(0), min(b, closes) - max(a, opens))
        return total

    def _add_office_time(self, start: datetime, span: timedelta) -> datetime:
        remaining = span
        for opens, closes in self._windows(start):
            begin = max(start, opens)
            available = closes - begin
            if available <= timedelta(0):
                continue
            # `<=` so that a span ending exactly at closing time lands on that closing time
            # (Friday 07:30 + 1 workday is Friday 16:00, not Monday 07:30).
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable: _windows never ends without `until`")

    def _windows(self, start: datetime, until: datetime | None = None) -> Iterator[tuple[datetime, datetime]]:
        """Office (opening, closing) pairs in UTC, day by day from the local day of `start`."""
        day = start.astimezone(JAKARTA).date()
        last = until.astimezone(JAKARTA).date() if until is not None else None
        while last is None or day <= last:
            if self.is_working_day(day):
                yield self._local(day, self.office_start), self._local(day, self.office_end)
            day += _ONE_DAY

    @staticmethod
    def _local(day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=JAKARTA).astimezone(timezone.utc)


def _check_arguments(amount: int, unit: str, clock: str) -> None:
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}: expected one of {', '.join(UNITS)}")
    if clock not in CLOCKS:
        raise ValueError(f"unknown clock {clock!r}: expected one of {', '.join(CLOCKS)}")
    # bool is an int subclass; True as "1 day" would hide a caller's bug.
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be a whole number, got {amount!r}")
    if amount < 0:
        raise ValueError(f"amount must not be negative, got {amount}")


def _to_utc(moment: datetime) -> datetime:
    # A naive datetime would silently be read in the server's zone, which is how deadlines drift by 7 hours.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(timezone.utc)


def indonesian_holidays(years: Iterable[int]) -> dict[date, str]:
    """National public holidays and cuti bersama (joint leave) for the given years, named in Indonesian."""
    # "government" is the category under which the package files cuti bersama; without it the
    # days around Idul Fitri and Christmas would count as working days, which no office keeps.
    found = holidays.country_holidays("ID", years=list(years), categories=("public", "government"), language="id")
    return dict(sorted(found.items()))


def parse_office_hours(days: str, hours: str) -> tuple[frozenset[int], time, time]:
    """Read settings like days="0,1,2,3,4" (Monday=0) and hours="07:30-16:00"."""
    office_days = _parse_days(days)
    start, end = _parse_hours(hours)
    return office_days, start, end


def _parse_days(days: str) -> frozenset[int]:
    items = [item.strip() for item in days.split(",")]
    if items == [""]:
        raise ValueError("office days are empty: expected weekday numbers like '0,1,2,3,4' (Monday=0)")
    parsed = set()
    for item in items:
        if not item.isdigit():
            raise ValueError(f"office days {days!r}: {item!r} is not a weekday number (0=Monday … 6=Sunday)")
        if int(item) > 6:
            raise ValueError(f"office days {days!r}: unknown weekday {item} (0=Monday … 6=Sunday)")
        parsed.add(int(item))
    return frozenset(parsed)


def _parse_hours(hours: str) -> tuple[time, time]:
    match = _HOURS_PATTERN.fullmatch(hours.strip())
    if not match:
        raise ValueError(f"office hours {hours!r}: expected HH:MM-HH:MM, e.g. '07:30-16:00'")
    start_h, start_m, end_h, end_m = (int(g) for g in match.groups())
    try:
        start, end = time(start_h, start_m), time(end_h, end_m)
    except ValueError as error:
        raise ValueError(f"office hours {hours!r}: {error}") from None
    if end <= start:
        raise ValueError(f"office hours {hours!r}: closing time must be after opening time")
    return start, end


def build_calendar(
    *, years: Iterable[int], extra_closed: Iterable[date] = (), days: str = "0,1,2,3,4", hours: str = "07:30-16:00"
) -> WorkCalendar:
    """The calendar for `years`: outside them only weekends close the office, so cover every deadline's year."""
    office_days, start, end = parse_office_hours(days, hours)
    closed = frozenset(indonesian_holidays(years)) | frozenset(extra_closed)
    return WorkCalendar(office_days=office_days, office_start=start, office_end=end, closed=closed)
