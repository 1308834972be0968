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


# --- Disruption, pre-charge bail and problem profiles (Home Office toolkit; PACE s47ZB) ---------------------

UTC = dt.timezone.utc


def test_a_closure_notice_lasts_24_clock_hours_or_48_extended_straight_through_a_weekend():
    served = at(2026, 11, 27, 17, 30)  # a Friday evening
    assert clock.disruption_ends("closure_notice", served) == at(2026, 11, 28, 17, 30)
    assert clock.disruption_ends("closure_notice", served, extended=True) == at(2026, 11, 29, 17, 30)  # Sunday


def test_a_closure_notice_is_not_moved_off_a_bank_holiday():
    assert clock.disruption_ends("closure_notice", at(2026, 12, 24, 20), extended=True) == at(2026, 12, 26, 20)


def test_a_closure_notice_counts_elapsed_hours_across_the_clock_changes():
    # British Summer Time ends at 02:00 on Sunday 25 October 2026: 24 hours from 18:00 end at 17:00 on the wall.
    served = at(2026, 10, 24, 18)
    ends = clock.disruption_ends("closure_notice", served)
    assert ends == at(2026, 10, 25, 17)
    assert ends.astimezone(UTC) - served.astimezone(UTC) == dt.timedelta(hours=24)
    # It starts at 01:00 on Sunday 28 March 2027: 48 hours from Saturday 18:00 end at 19:00 on Monday.
    served = at(2027, 3, 27, 18)
    ends = clock.disruption_ends("closure_notice", served, extended=True)
    assert ends == at(2027, 3, 29, 19)
    assert ends.astimezone(UTC) - served.astimezone(UTC) == dt.timedelta(hours=48)


def test_a_closure_order_lasts_the_months_given_clamped_to_the_end_of_a_shorter_month():
    assert clock.disruption_ends("closure_order", at(2026, 11, 30, 11), months=3) == at(2027, 2, 28, 11)
    assert clock.disruption_ends("closure_order", at(2027, 11, 30, 11), months=3) == at(2028, 2, 29, 11)
    assert clock.disruption_ends("closure_order", at(2027, 1, 31, 9), months=1) == at(2027, 2, 28, 9)
    # Never more than 3 months, whatever is asked (serve_disruption refuses such a term with an error).
    assert clock.disruption_ends("closure_order", at(2026, 11, 30, 11), months=6) == at(2027, 2, 28, 11)


def test_sexual_risk_and_harm_prevention_orders_never_run_below_their_minimum_terms_from_29_february():
    served = at(2028, 2, 29, 10)
    assert clock.disruption_ends("sro", served, years=2) == at(2030, 2, 28, 10)
    assert clock.disruption_ends("sro", served, years=1) == at(2030, 2, 28, 10)
    assert clock.disruption_ends("shpo", served, years=5) == at(2033, 2, 28, 10)
    assert clock.disruption_ends("shpo", served, years=3) == at(2033, 2, 28, 10)
    assert clock.disruption_ends("shpo", served, years=8) == at(2036, 2, 29, 10)  # 2036 is a leap year
    assert clock.disruption_ends("sro", at(2027, 3, 26, 10), years=2) == at(2029, 3, 26, 10)  # Good Friday stays


def test_measures_without_a_term_have_no_expiry():
    for kind in ("cawn", "hotel_request", "recovery_order", "licensing_review", "trespass"):
        assert clock.disruption_ends(kind, at(2026, 11, 27)) is None


def test_reviews_of_measures_move_on_to_a_working_day_past_weekends_and_bank_holidays():
    # 28 days from Friday 27 November 2026 is Christmas Day; Boxing Day is a Saturday, its substitute Monday 28.
    assert clock.disruption_review_due("hotel_request", at(2026, 11, 27)) == dt.date(2026, 12, 29)
    # A Child Abduction Warning Notice's review, 182 days from Friday 26 June 2026, lands on Christmas Day too.
    assert clock.disruption_review_due("cawn", at(2026, 6, 26)) == dt.date(2026, 12, 29)
    # 7 days from Monday 24 August 2026 is the late summer bank holiday.
    assert clock.disruption_review_due("recovery_order", at(2026, 8, 24)) == dt.date(2026, 9, 1)
    # 28 days from Friday 26 February 2027 is Good Friday, then a weekend and Easter Monday.
    assert clock.disruption_review_due("licensing_review", at(2027, 2, 26)) == dt.date(2027, 3, 30)
    # 28 days from Saturday 19 December 2026 is a Saturday.
    assert clock.disruption_review_due("trespass", at(2026, 12, 19)) == dt.date(2027, 1, 18)
    # A working day stays where it is; 23:30 in summer is that London day, not the next UTC one.
    assert clock.disruption_review_due("closure_order", at(2026, 11, 6)) == dt.date(2026, 12, 4)
    assert clock.disruption_review_due("recovery_order", dt.datetime(2026, 7, 7, 22, 30, tzinfo=UTC)) == \
        dt.date(2026, 7, 14)


def test_orders_with_a_fixed_term_have_no_review_interval():
    for kind in ("closure_notice", "sro", "shpo"):
        assert clock.disruption_review_due(kind, at(2026, 11, 27)) is None


def test_pre_charge_bail_is_three_months_beginning_the_day_after_the_arrest():
    # Arrested 10 January 2027: bail starts on the 11th, so 3 months beginning with it end on 10 April (a
    # Saturday: calendar days, not moved).
    assert clock.pre_charge_bail_ends(at(2027, 1, 10, 15)) == dt.date(2027, 4, 10)
    # Arrested 28 February 2027: bail starts 1 March, ends 31 May (the spring bank holiday, not moved).
    assert clock.pre_charge_bail_ends(at(2027, 2, 28, 9)) == dt.date(2027, 5, 31)
    assert clock.pre_charge_bail_ends(at(2027, 11, 30, 9)) == dt.date(2028, 2, 29)
    assert clock.pre_charge_bail_ends(at(2026, 12, 31, 23, 30)) == dt.date(2027, 3, 31)
    # 23:30 London time in summer is 22:30 UTC: the arrest's day is the London one.
    assert clock.pre_charge_bail_ends(dt.datetime(2026, 6, 30, 22, 30, tzinfo=UTC)) == dt.date(2026, 9, 30)


def test_a_problem_profile_is_refreshed_every_twelve_months():
    assert clock.problem_profile_due(dt.date(2026, 3, 15)) == dt.date(2027, 3, 15)
    assert clock.problem_profile_due(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
    assert clock.problem_profile_due(dt.date(2026, 12, 25)) == dt.date(2027, 12, 25)  # a calendar date


@hsettings(max_examples=200, deadline=None)
@given(moment=moments)
def test_closure_notices_last_exact_hours_and_reviews_fall_on_the_first_working_day_after_the_interval(moment):
    for extended, hours in ((False, 24), (True, 48)):
        ends = clock.disruption_ends("closure_notice", moment, extended=extended)
        assert ends.astimezone(UTC) - moment.astimezone(UTC) == dt.timedelta(hours=hours)
    for kind, days in clock.DISRUPTION_REVIEW_DAYS.items():
        due = clock.disruption_review_due(kind, moment)
        earliest = clock.local(moment).date() + dt.timedelta(days=days)
        assert clock.is_working_day(due) and due >= earliest
        assert all(not clock.is_working_day(earliest + dt.timedelta(days=n)) for n in range((due - earliest).days))
