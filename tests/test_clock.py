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


# --- Case work deadlines (hand-counted against the England and Wales bank holidays) ----------------------


def test_assessment_due_45_working_days_over_christmas():
    # 2 Nov 2026: 45 working days skip 25 Dec, 28 Dec (Boxing Day substitute) and 1 Jan 2027.
    assert clock.assessment_due(at(2026, 11, 2)) == dt.date(2027, 1, 7)


def test_assessment_due_from_a_weekend_referral_counts_from_monday():
    # Received Saturday 7 Nov 2026: counts from Monday 9 Nov; 45 working days (3 bank holidays) is 14 Jan.
    assert clock.assessment_due(at(2026, 11, 7, 22)) == dt.date(2027, 1, 14)


def test_initial_conference_15_working_days_after_strategy_discussion():
    assert clock.initial_conference_due(at(2026, 12, 18, 14)) == dt.date(2027, 1, 13)
    assert clock.initial_conference_due(at(2026, 11, 21, 11)) == dt.date(2026, 12, 14)  # a Saturday discussion


def test_initial_conference_skips_easter():
    # Strategy discussion Thursday 18 March 2027; Good Friday 26 March and Easter Monday 29 March are closed.
    assert clock.initial_conference_due(at(2027, 3, 18)) == dt.date(2027, 4, 12)


def test_reviews_at_three_months_then_six():
    assert clock.review_due(dt.date(2026, 11, 30)) == dt.date(2027, 2, 28)
    assert clock.review_due(dt.date(2027, 2, 26), last_review_day=dt.date(2027, 8, 31)) == dt.date(2028, 2, 29)


def test_risk_reassessment_every_three_months():
    assert clock.risk_reassessment_due(dt.date(2027, 5, 31)) == dt.date(2027, 8, 31)
    assert clock.risk_reassessment_due(dt.date(2026, 11, 30)) == dt.date(2027, 2, 28)


@hsettings(max_examples=150, deadline=None)
@given(st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2030, 12, 31)))
def test_case_deadlines_fall_on_working_days_exactly_that_many_days_on(moment):
    moment = moment.replace(tzinfo=LONDON)
    start = clock.start_of_working_time(moment).date()
    for due, days in ((clock.assessment_due(moment), 45), (clock.initial_conference_due(moment), 15)):
        assert clock.is_working_day(due)
        assert clock.working_days_between(start, due) == days
