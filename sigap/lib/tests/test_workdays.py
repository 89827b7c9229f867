from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from sigap.lib.workdays import (
    CLOCKS,
    UNITS,
    WorkCalendar,
    build_calendar,
    indonesian_holidays,
    parse_office_hours,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
DAY = timedelta(hours=8, minutes=30)  # default office day, 07:30-16:00

# Built once: the holidays package computes 2026-2027 offline, no network involved.
CAL = build_calendar(years=range(2025, 2029))


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock moment in Surakarta (WIB, UTC+7)."""
    return datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


def assert_utc(moment: datetime, expected: datetime) -> None:
    assert moment == expected
    assert moment.tzinfo is timezone.utc


# --- the holidays the calendar is built on ---------------------------------------------------


def test_idul_fitri_2026_closes_the_office_from_18_to_24_march_with_nyepi_and_cuti_bersama():
    found = indonesian_holidays([2026])
    for day in range(18, 25):
        assert date(2026, 3, day) in found
    assert "Nyepi" in found[date(2026, 3, 19)]
    assert "Idul Fitri" in found[date(2026, 3, 21)]
    assert found[date(2026, 3, 23)].startswith("Cuti Bersama")
    assert date(2026, 3, 25) not in found


def test_holiday_names_are_in_indonesian():
    assert indonesian_holidays([2026])[date(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"


def test_christmas_cuti_bersama_and_new_year_are_closed_days():
    assert not CAL.is_working_day(date(2026, 12, 24))
    assert not CAL.is_working_day(date(2026, 12, 25))
    assert not CAL.is_working_day(date(2027, 1, 1))
    assert CAL.is_working_day(date(2026, 12, 31))


def test_weekends_are_not_working_days_and_weekdays_are():
    assert CAL.is_working_day(date(2026, 3, 6))  # Friday
    assert not CAL.is_working_day(date(2026, 3, 7))  # Saturday
    assert not CAL.is_working_day(date(2026, 3, 8))  # Sunday


def test_the_default_office_day_lasts_eight_and_a_half_hours():
    assert WorkCalendar().office_day_length() == DAY


# --- workdays ----------------------------------------------------------------------------------


def test_friday_afternoon_one_workday_lands_on_monday_afternoon():
    assert_utc(CAL.add(wib(2026, 3, 6, 15), 1, "workdays"), wib(2026, 3, 9, 15))


def test_friday_afternoon_one_workday_lands_on_tuesday_when_monday_is_a_holiday():
    # 17 August 2026, Independence Day, is a Monday.
    assert_utc(CAL.add(wib(2026, 8, 14, 15), 1, "workdays"), wib(2026, 8, 18, 15))


def test_one_workday_from_the_eve_of_a_public_holiday_skips_the_holiday_and_its_cuti_bersama():
    # Idul Adha on Wednesday 27 May 2026, cuti bersama on Thursday 28.
    assert_utc(CAL.add(wib(2026, 5, 26, 10), 1, "workdays"), wib(2026, 5, 29, 10))


def test_one_workday_from_17_march_2026_afternoon_lands_on_25_march_after_nyepi_and_idul_fitri():
    assert_utc(CAL.add(wib(2026, 3, 17, 14), 1, "workdays"), wib(2026, 3, 25, 14))


def test_one_workday_from_new_years_eve_2026_lands_on_monday_4_january_2027():
    assert_utc(CAL.add(wib(2026, 12, 31, 10), 1, "workdays"), wib(2027, 1, 4, 10))


def test_five_workdays_before_christmas_skip_christmas_new_year_and_two_weekends():
    # 23 Dec 2026 (Wed): 24-27 closed, then 28, 29, 30, 31 Dec; 1-3 Jan closed; 4 Jan is the fifth.
    assert_utc(CAL.add(wib(2026, 12, 23, 10), 5, "workdays"), wib(2027, 1, 4, 10))


def test_friday_at_opening_one_workday_ends_at_friday_closing_not_monday_opening():
    assert_utc(CAL.add(wib(2026, 3, 6, 7, 30), 1, "workdays"), wib(2026, 3, 6, 16))


def test_friday_at_closing_one_workday_ends_at_monday_closing():
    assert_utc(CAL.add(wib(2026, 3, 6, 16), 1, "workdays"), wib(2026, 3, 9, 16))


def test_saturday_morning_one_workday_ends_at_monday_closing():
    assert_utc(CAL.add(wib(2026, 3, 7, 10), 1, "workdays"), wib(2026, 3, 9, 16))


def test_tuesday_night_one_workday_ends_at_wednesday_closing():
    assert_utc(CAL.add(wib(2026, 3, 10, 20), 1, "workdays"), wib(2026, 3, 11, 16))


def test_early_morning_before_opening_one_workday_ends_at_that_days_closing():
    assert_utc(CAL.add(wib(2026, 3, 10, 5), 1, "workdays"), wib(2026, 3, 10, 16))


def test_workdays_ignore_the_clock_argument():
    start = wib(2026, 3, 6, 15)
    assert CAL.add(start, 2, "workdays", "continuous") == CAL.add(start, 2, "workdays", "office")


def test_extra_closure_days_push_deadlines_like_holidays():
    closed_monday = build_calendar(years=[2026], extra_closed=[date(2026, 3, 9)])
    assert not closed_monday.is_working_day(date(2026, 3, 9))
    assert_utc(closed_monday.add(wib(2026, 3, 6, 15), 1, "workdays"), wib(2026, 3, 10, 15))


def test_a_long_closure_is_skipped_day_by_day():
    month_closed = build_calendar(years=[2026], extra_closed=[date(2026, 4, d) for d in range(1, 31)])
    assert_utc(month_closed.add(wib(2026, 3, 31, 12), 1, "workdays"), wib(2026, 5, 4, 12))


def test_office_hours_from_settings_set_the_length_of_a_workday():
    saturday_service = build_calendar(years=[2026], days="0,1,2,3,4,5", hours="08:00-14:00")
    assert saturday_service.office_day_length() == timedelta(hours=6)
    assert_utc(saturday_service.add(wib(2026, 3, 6, 13), 1, "workdays"), wib(2026, 3, 7, 13))


def test_a_thousand_workdays_are_counted_exactly():
    start = wib(2026, 1, 5, 9)
    end = CAL.add(start, 1000, "workdays")
    assert CAL.office_time_between(start, end) == 1000 * DAY


# --- minutes and hours -------------------------------------------------------------------------


def test_sixty_minutes_on_the_continuous_clock_run_across_midnight():
    assert_utc(CAL.add(wib(2026, 3, 10, 23, 30), 60, "minutes"), wib(2026, 3, 11, 0, 30))


def test_continuous_minutes_run_through_weekends_and_holidays():
    assert_utc(CAL.add(wib(2026, 3, 20, 23, 30), 60, "minutes", "continuous"), wib(2026, 3, 21, 0, 30))


def test_sixty_minutes_on_the_office_clock_from_friday_1530_end_on_monday_0800():
    assert_utc(CAL.add(wib(2026, 3, 6, 15, 30), 60, "minutes", "office"), wib(2026, 3, 9, 8))


def test_office_minutes_started_before_opening_count_from_opening():
    assert_utc(CAL.add(wib(2026, 3, 9, 6), 60, "minutes", "office"), wib(2026, 3, 9, 8, 30))


def test_office_minutes_started_on_sunday_night_count_from_monday_opening():
    assert_utc(CAL.add(wib(2026, 3, 8, 22), 30, "minutes", "office"), wib(2026, 3, 9, 8))


def test_office_hours_are_counted_like_office_minutes():
    start = wib(2026, 3, 6, 14)
    assert CAL.add(start, 3, "hours", "office") == CAL.add(start, 180, "minutes", "office") == wib(2026, 3, 9, 8, 30)


def test_continuous_hours_are_plain_time():
    assert_utc(CAL.add(wib(2026, 3, 6, 14), 24, "hours"), wib(2026, 3, 7, 14))


# --- calendar days -----------------------------------------------------------------------------


def test_calendar_days_on_the_continuous_clock_include_weekends_and_holidays():
    assert_utc(CAL.add(wib(2026, 3, 17, 14), 3, "days"), wib(2026, 3, 20, 14))


def test_calendar_days_on_the_office_clock_count_as_workdays():
    start = wib(2026, 3, 17, 14)
    assert CAL.add(start, 1, "days", "office") == CAL.add(start, 1, "workdays") == wib(2026, 3, 25, 14)


# --- time zones --------------------------------------------------------------------------------


def test_a_start_given_in_utc_at_2300_is_read_as_0600_next_day_in_jakarta():
    sunday_night_utc = datetime(2026, 3, 8, 23, 0, tzinfo=timezone.utc)  # Monday 06:00 WIB
    assert_utc(CAL.add(sunday_night_utc, 60, "minutes", "office"), datetime(2026, 3, 9, 1, 30, tzinfo=timezone.utc))
    assert_utc(CAL.add(sunday_night_utc, 1, "workdays"), datetime(2026, 3, 9, 9, 0, tzinfo=timezone.utc))


def test_a_start_in_another_zone_gives_the_same_deadline_in_utc():
    tokyo = ZoneInfo("Asia/Tokyo")
    start = datetime(2026, 3, 6, 17, 0, tzinfo=tokyo)  # Friday 15:00 WIB
    assert_utc(CAL.add(start, 1, "workdays"), wib(2026, 3, 9, 15))


def test_zero_amount_returns_the_start_in_utc():
    start = wib(2026, 3, 7, 10)  # a Saturday: zero is zero, even outside office hours
    for unit in UNITS:
        for clock_name in CLOCKS:
            assert_utc(CAL.add(start, 0, unit, clock_name), start)


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add(datetime(2026, 3, 6, 15), 1, "workdays")
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.office_time_between(datetime(2026, 3, 6, 15), wib(2026, 3, 9))


# --- bad arguments -----------------------------------------------------------------------------


def test_an_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="unknown unit 'weeks'"):
        CAL.add(wib(2026, 3, 6, 15), 1, "weeks")


def test_an_unknown_clock_is_refused():
    with pytest.raises(ValueError, match="unknown clock 'lunar'"):
        CAL.add(wib(2026, 3, 6, 15), 1, "minutes", "lunar")


def test_a_negative_amount_is_refused():
    with pytest.raises(ValueError, match="negative"):
        CAL.add(wib(2026, 3, 6, 15), -1, "workdays")


def test_a_fractional_amount_is_refused():
    with pytest.raises(TypeError, match="whole number"):
        CAL.add(wib(2026, 3, 6, 15), 1.5, "workdays")


def test_a_calendar_without_office_days_is_refused():
    with pytest.raises(ValueError, match="at least one office day"):
        WorkCalendar(office_days=frozenset())


def test_a_calendar_that_closes_before_it_opens_is_refused():
    with pytest.raises(ValueError, match="before it opens"):
        WorkCalendar(office_start=time(16), office_end=time(8))


# --- office_time_between -----------------------------------------------------------------------


def test_office_time_between_friday_afternoon_and_tuesday_morning_skips_the_weekend_and_a_holiday():
    # Friday 14 Aug 15:00-16:00, Monday 17 Aug closed, Tuesday 18 Aug 07:30-09:00.
    assert CAL.office_time_between(wib(2026, 8, 14, 15), wib(2026, 8, 18, 9)) == timedelta(hours=2, minutes=30)


def test_office_time_between_counts_whole_office_days():
    assert CAL.office_time_between(wib(2026, 3, 9), wib(2026, 3, 14)) == 5 * DAY


def test_office_time_between_is_zero_outside_office_hours():
    assert CAL.office_time_between(wib(2026, 3, 6, 16), wib(2026, 3, 9, 7, 30)) == timedelta(0)


def test_office_time_between_is_zero_when_the_end_is_not_after_the_start():
    assert CAL.office_time_between(wib(2026, 3, 9, 12), wib(2026, 3, 9, 12)) == timedelta(0)
    assert CAL.office_time_between(wib(2026, 3, 9, 12), wib(2026, 3, 9, 9)) == timedelta(0)


def test_office_time_between_accepts_mixed_zones():
    a = datetime(2026, 3, 9, 1, 0, tzinfo=timezone.utc)  # 08:00 WIB
    assert CAL.office_time_between(a, wib(2026, 3, 9, 9)) == timedelta(hours=1)


# --- properties over many start times ----------------------------------------------------------


def _starts_every(step: timedelta, first: datetime, last: datetime):
    moment = first
    while moment < last:
        yield moment
        moment += step


def test_every_workday_deadline_lies_exactly_n_office_days_of_office_time_after_its_start():
    # 47 minutes is coprime with the half-hour grid of office hours, so starts fall everywhere:
    # nights, weekends, openings, closings, and the whole Nyepi-Idul Fitri closure.
    for start in _starts_every(timedelta(minutes=47), wib(2026, 3, 12), wib(2026, 4, 2)):
        for n in (1, 2, 5):
            end = CAL.add(start, n, "workdays")
            assert CAL.office_time_between(start, end) == n * DAY, (start, n, end)
            assert end >= start


def test_every_office_clock_deadline_falls_inside_office_hours_on_a_working_day():
    for start in _starts_every(timedelta(minutes=47), wib(2026, 12, 20), wib(2027, 1, 8)):
        for minutes in (1, 60, 510, 600):
            end = CAL.add(start, minutes, "minutes", "office")
            local = end.astimezone(JAKARTA)
            assert CAL.is_working_day(local.date()), (start, minutes, end)
            assert time(7, 30) < local.time() <= time(16, 0), (start, minutes, end)
            assert CAL.office_time_between(start, end) == timedelta(minutes=minutes)


# --- parse_office_hours ------------------------------------------------------------------------


def test_parse_office_hours_reads_the_default_settings():
    assert parse_office_hours("0,1,2,3,4", "07:30-16:00") == (frozenset({0, 1, 2, 3, 4}), time(7, 30), time(16, 0))


def test_parse_office_hours_tolerates_spaces():
    assert parse_office_hours(" 0, 1 ,5 ", " 8:00 - 14:30 ") == (frozenset({0, 1, 5}), time(8), time(14, 30))


@pytest.mark.parametrize(
    ("days", "hours", "message"),
    [
        ("0,1,2,3,4", "16:00-07:30", "closing time must be after opening time"),
        ("0,1,2,3,4", "08:00-08:00", "closing time must be after opening time"),
        ("0,1,2,3,7", "07:30-16:00", "unknown weekday 7"),
        ("0,1,x", "07:30-16:00", "'x' is not a weekday number"),
        ("0,,1", "07:30-16:00", "'' is not a weekday number"),
        ("-1", "07:30-16:00", "'-1' is not a weekday number"),
        ("", "07:30-16:00", "office days are empty"),
        ("0,1,2,3,4", "07:30", "expected HH:MM-HH:MM"),
        ("0,1,2,3,4", "7.30-16.00", "expected HH:MM-HH:MM"),
        ("0,1,2,3,4", "", "expected HH:MM-HH:MM"),
        ("0,1,2,3,4", "07:30-25:00", "hour must be in 0..23"),
        ("0,1,2,3,4", "07:75-16:00", "minute must be in 0..59"),
    ],
)
def test_parse_office_hours_refuses_bad_settings_with_a_clear_message(days, hours, message):
    with pytest.raises(ValueError, match=message):
        parse_office_hours(days, hours)


def test_build_calendar_refuses_bad_office_hours():
    with pytest.raises(ValueError, match="closing time must be after opening time"):
        build_calendar(years=[2026], hours="16:00-07:30")
