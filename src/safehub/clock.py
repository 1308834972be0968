"""The one clock: every deadline in Safehub is computed here and nowhere else.

Working days are Monday to Friday less the bank holidays of the configured country and subdivision
(England and Wales by default, from python-holidays), less any extra closure days, plus any holidays the
service has chosen to work. A contact received on a non-working day counts as received at the start of
the next working day. "Within N working days" means by the same time of day N working days later.
"""

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.utils import timezone

LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=64)
def _closed_days(year, country, subdivision, extra, worked):
    days = set(holidays.country_holidays(country, subdiv=subdivision or None, years=year).keys())
    days |= {dt.date.fromisoformat(d) for d in extra if d.startswith(str(year))}
    days -= {dt.date.fromisoformat(d) for d in worked}
    return frozenset(days)


def bank_holidays(year):
    return _closed_days(
        year,
        settings.SAFEHUB_CALENDAR_COUNTRY,
        settings.SAFEHUB_CALENDAR_SUBDIVISION,
        tuple(settings.SAFEHUB_EXTRA_CLOSED_DAYS),
        tuple(settings.SAFEHUB_WORKED_HOLIDAYS),
    )


def is_working_day(day):
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def next_working_day(day):
    day += dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def local(moment):
    return timezone.localtime(moment, LONDON)


def start_of_working_time(moment):
    """The moment itself if it falls on a working day, else midnight starting the next working day."""
    moment = local(moment)
    if is_working_day(moment.date()):
        return moment
    return dt.datetime.combine(next_working_day(moment.date()), dt.time.min, tzinfo=LONDON)


def add_working_days(moment, days):
    start = start_of_working_time(moment)
    day = start.date()
    for _ in range(days):
        day = next_working_day(day)
    return dt.datetime.combine(day, start.timetz().replace(tzinfo=None), tzinfo=LONDON)


def working_days_between(start_day, end_day):
    """Working days after start_day up to and including end_day."""
    count, day = 0, start_day
    while day < end_day:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count


def screening_decision_due(received_at):
    """A decision on every contact is due within 1 working day of receipt (Working Together 2023)."""
    return add_working_days(received_at, 1)


def new_information_review_due(received_at):
    """Information a reporter adds to their report later is read like a new contact: within 1 working day."""
    return add_working_days(received_at, 1)


def partner_checks_due(priority_set_at, priority):
    """Red 2 hours, Amber 6 hours, Green 24 hours (clock hours); Blue needs no multi-agency response."""
    hours = settings.SAFEHUB_PRIORITY_HOURS.get(priority)
    if hours is None:
        return None
    return priority_set_at + dt.timedelta(hours=hours)


def end_of_today(now=None):
    now = local(now or timezone.now())
    return dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)


def months_later(day, months):
    """The same day of the month, `months` calendar months later (earlier if negative).

    A day the target month does not have is clamped to its last day: 31 Jan + 1 month = 28 Feb
    (29 Feb in a leap year); 30 Nov + 3 months = 28 or 29 Feb.
    """
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    first_of_month = dt.date(year, month_index + 1, 1)
    last_of_month = (first_of_month + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
    return day.replace(year=year, month=month_index + 1, day=min(day.day, last_of_month.day))


# --- Case work (Working Together to Safeguard Children 2023) -------------------------------------------

ASSESSMENT_WORKING_DAYS = 45
ICPC_WORKING_DAYS = 15
FIRST_REVIEW_MONTHS = 3
LATER_REVIEW_MONTHS = 6
RISK_REASSESSMENT_MONTHS = 3


def assessment_due(referral_received_at):
    """The child and family assessment is due within 45 working days of the referral."""
    return add_working_days(referral_received_at, ASSESSMENT_WORKING_DAYS).date()


def initial_conference_due(strategy_discussion_at):
    """The initial child protection conference is due within 15 working days of the strategy discussion
    that started section 47 enquiries."""
    return add_working_days(strategy_discussion_at, ICPC_WORKING_DAYS).date()


def review_due(start_day, last_review_day=None):
    """The first review is due 3 months after the start (the initial conference, or the case opening); each
    later review at most 6 months after the one before."""
    if last_review_day is None:
        return months_later(start_day, FIRST_REVIEW_MONTHS)
    return months_later(last_review_day, LATER_REVIEW_MONTHS)


def risk_reassessment_due(assessed_on):
    """Exploitation risk is screened again at least every 3 months."""
    return months_later(assessed_on, RISK_REASSESSMENT_MONTHS)


def today():
    return local(timezone.now()).date()


# --- Disruption and justice (Home Office Child Exploitation Disruption Toolkit; PACE pre-charge bail) -----

CLOSURE_NOTICE_HOURS = 24
CLOSURE_NOTICE_EXTENDED_HOURS = 48
CLOSURE_ORDER_MAX_MONTHS = 3
SRO_MIN_YEARS = 2
SHPO_MIN_YEARS = 5
PRE_CHARGE_BAIL_MONTHS = 3
PROBLEM_PROFILE_MONTHS = 12
# Measures with no fixed term are reviewed after this many days (configurable by area).
DISRUPTION_REVIEW_DAYS = {"cawn": 182, "hotel_request": 28, "recovery_order": 7, "licensing_review": 28,
                          "trespass": 28, "closure_order": 28}


def disruption_ends(kind, served_at, *, extended=False, months=None, years=None):
    """When a disruption measure served at `served_at` lapses, or None if it has no fixed term.

    A closure notice lasts 24 hours (48 when extended); a closure order the months the court gave, at most
    3; a Sexual Risk Order at least 2 years and a Sexual Harm Prevention Order at least 5 (the court's
    term, never less). Clock time: an order does not pause at weekends.
    """
    if kind == "closure_notice":
        # Elapsed hours, counted in UTC: 24 hours across the October clock change end at 17:00 by the clock
        # on the wall, not 18:00 (aware arithmetic in one zone would add wall-clock hours).
        hours = CLOSURE_NOTICE_EXTENDED_HOURS if extended else CLOSURE_NOTICE_HOURS
        return local(served_at.astimezone(dt.timezone.utc) + dt.timedelta(hours=hours))
    if kind == "closure_order":
        months = min(months or CLOSURE_ORDER_MAX_MONTHS, CLOSURE_ORDER_MAX_MONTHS)
        return _same_time(served_at, months_later(local(served_at).date(), months))
    minimum = {"sro": SRO_MIN_YEARS, "shpo": SHPO_MIN_YEARS}.get(kind)
    if minimum is not None:
        years = max(years or minimum, minimum)
        return _same_time(served_at, months_later(local(served_at).date(), 12 * years))
    return None


def disruption_review_due(kind, served_at):
    """When a measure with no fixed term is next reviewed: the review interval after it was served, moved on
    to a working day (a review is office work)."""
    days = DISRUPTION_REVIEW_DAYS.get(kind)
    if days is None:
        return None
    day = local(served_at).date() + dt.timedelta(days=days)
    return day if is_working_day(day) else next_working_day(day)


def last_day_of_period(first_day, months):
    """The last day of a period of `months` months "beginning with" `first_day` (the day itself counts):
    beginning with 11 January, 3 months end on 10 April; beginning with 1 March, on 31 May."""
    return months_later(first_day, months) - dt.timedelta(days=1)


def pre_charge_bail_ends(arrested_at):
    """The last day of the applicable pre-charge bail period, unless it is extended: 3 months beginning with
    the bail start date, which is the day after the day of the arrest (PACE s47ZB, as amended by the Police,
    Crime, Sentencing and Courts Act 2022). Calendar days: a bank holiday does not move it."""
    bail_start = local(arrested_at).date() + dt.timedelta(days=1)
    return last_day_of_period(bail_start, PRE_CHARGE_BAIL_MONTHS)


def problem_profile_due(refreshed_on):
    """An operation's problem profile is refreshed at least every 12 months."""
    return months_later(refreshed_on, PROBLEM_PROFILE_MONTHS)


def _same_time(moment, day):
    """`moment`'s local time of day on another day."""
    here = local(moment)
    return here.replace(year=day.year, month=day.month, day=day.day)


# --- Victims' Code (Code of Practice for Victims of Crime in England and Wales, 2020) ---------------------

VICTIMS_CODE_WORKING_DAYS = 1


def victims_code_due(decided_at):
    """A victim of child sexual exploitation is owed the enhanced service: told of each key decision (charge,
    no further action, bail and its changes, release) within 1 working day of it. A decision made on a
    weekend or bank holiday counts from the start of the next working day."""
    return add_working_days(decided_at, VICTIMS_CODE_WORKING_DAYS)


def sso_recheck_due(checked_at):
    """A person signed in through their organisation's provider is asked about again at the provider this long
    after the last check (ADR 26); until then a removal at the provider does not reach Safehub."""
    return checked_at + dt.timedelta(seconds=settings.SAFEHUB_OIDC_RECHECK_SECONDS)
# --- Retention (MoPI for police records; the council's schedule for children's social care) -------------


def retention_group(group):
    groups = settings.SAFEHUB_RETENTION_GROUPS
    if group not in groups:
        raise ValueError(f"Unknown retention group {group!r}: add it to SAFEHUB_RETENTION_GROUPS.")
    return groups[group]


def retention_first_review(group, recorded_on, born_on=None):
    """The day a record first falls due for review: `review_after_years` after it was recorded, or the
    child's birthday of `until_age` (from the date of birth when known, else from the day it was recorded, so
    that an unknown age never brings a review earlier)."""
    rule = retention_group(group)
    if "until_age" in rule:
        return months_later(born_on or recorded_on, 12 * rule["until_age"])
    return months_later(recorded_on, 12 * rule["review_after_years"])


def retention_next_review(group, reviewed_on):
    """After a decision to retain, the next review falls `review_every_years` later."""
    return months_later(reviewed_on, 12 * retention_group(group)["review_every_years"])
