"""The one clock: working days, bank holidays, screening and BRAG deadlines."""

import datetime as dt

from hypothesis import given, settings as hsettings, strategies as st

from safehub import clock

LONDON = clock.LONDON


def at(year, month, day, hour=10, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def test_england_bank_holidays_are_not_working_days():
    for holiday in [dt.date(2026, 12, 25), dt.date(2026, 12, 28), dt.date(2026, 8, 31), dt.date(2027, 3, 26)]:
        assert not clock.is_working_day(holiday)
    assert clock.is_working_day(dt.date(2026, 12, 29))


def test_decision_due_next_working_day_same_time():
    assert clock.screening_decision_due(at(2026, 11, 25, 15, 30)) == at(2026, 11, 26, 15, 30)


def test_friday_receipt_is_due_monday():
    assert clock.screening_decision_due(at(2026, 11, 27, 16)) == at(2026, 11, 30, 16)


def test_weekend_receipt_counts_from_monday_morning():
    assert clock.screening_decision_due(at(2026, 11, 28, 11)) == at(2026, 12, 1, 0)


def test_christmas_eve_receipt_skips_christmas_boxing_day_and_substitute():
    # 2026: Christmas Friday 25th, Boxing Day Saturday 26th -> substitute Monday 28th.
    assert clock.screening_decision_due(at(2026, 12, 24, 9)) == at(2026, 12, 29, 9)


def test_easter_bank_holidays_skipped():
    # 2027: Good Friday 26 March, Easter Monday 29 March.
    assert clock.screening_decision_due(at(2027, 3, 25, 12)) == at(2027, 3, 30, 12)


def test_calendar_is_configurable(settings):
    settings.SAFEHUB_EXTRA_CLOSED_DAYS = ["2026-11-26"]
    assert clock.screening_decision_due(at(2026, 11, 25, 10)) == at(2026, 11, 27, 10)
    settings.SAFEHUB_EXTRA_CLOSED_DAYS = []
    settings.SAFEHUB_WORKED_HOLIDAYS = ["2026-12-28"]
    assert clock.screening_decision_due(at(2026, 12, 24, 9)) == at(2026, 12, 28, 9)


def test_scotland_calendar_differs(settings):
    settings.SAFEHUB_CALENDAR_SUBDIVISION = "SCT"
    assert not clock.is_working_day(dt.date(2027, 1, 4))  # 2 January substitute in Scotland
    settings.SAFEHUB_CALENDAR_SUBDIVISION = "ENG"
    assert clock.is_working_day(dt.date(2027, 1, 4))


def test_brag_partner_check_hours():
    start = at(2026, 11, 27, 22)
    assert clock.partner_checks_due(start, "red") == start + dt.timedelta(hours=2)
    assert clock.partner_checks_due(start, "amber") == start + dt.timedelta(hours=6)
    assert clock.partner_checks_due(start, "green") == start + dt.timedelta(hours=24)
    assert clock.partner_checks_due(start, "blue") is None


def test_clock_change_keeps_wall_clock_time():
    # British Summer Time ends on Sunday 25 October 2026.
    assert clock.screening_decision_due(at(2026, 10, 23, 14)) == at(2026, 10, 26, 14)


moments = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2030, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=LONDON)
)


@hsettings(max_examples=300, deadline=None)
@given(moment=moments)
def test_decision_is_always_due_on_a_working_day_after_receipt(moment):
    due = clock.screening_decision_due(moment)
    assert due > moment
    assert clock.is_working_day(due.date())
    # Exactly one working day elapses.
    start = clock.start_of_working_time(moment)
    assert clock.working_days_between(start.date(), due.date()) == 1


@hsettings(max_examples=200, deadline=None)
@given(moment=moments, days=st.integers(min_value=1, max_value=60))
def test_adding_working_days_counts_exactly_that_many(moment, days):
    due = clock.add_working_days(moment, days)
    start = clock.start_of_working_time(moment)
    assert clock.working_days_between(start.date(), due.date()) == days
    assert (due - start) >= dt.timedelta(days=days - 1)
