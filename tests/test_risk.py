"""Exploitation risk screening (SERAF-style): score, categories, overrides, judgement, reassessment."""

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from safehub import clock, risk
from safehub.risk import RiskCategory, Screening, Timing

DAY = dt.date(2026, 3, 2)
VULNERABILITY_KEYS = list(risk.VULNERABILITIES)
MODERATE_KEYS = list(risk.MODERATE_INDICATORS)
SIGNIFICANT_KEYS = list(risk.SIGNIFICANT_INDICATORS)


def screening(**fields):
    return Screening(assessed_on=fields.pop("assessed_on", DAY), **fields)


def with_score(points, **fields):
    """A screening scoring exactly `points` from vulnerabilities (1 each) and recent significant ones (5 each)."""
    fives, ones = divmod(points, 5)
    return screening(
        vulnerabilities=VULNERABILITY_KEYS[:ones],
        significant=dict.fromkeys(SIGNIFICANT_KEYS[:fives], Timing.RECENT),
        **fields,
    )


# Catalogues


def test_catalogues_have_unique_keys_and_labels():
    keys = [*risk.VULNERABILITIES, *risk.MODERATE_INDICATORS, *risk.SIGNIFICANT_INDICATORS]
    assert len(keys) == len(set(keys)) == 13 + 12 + 8
    for catalogue in (risk.VULNERABILITIES, risk.MODERATE_INDICATORS, risk.SIGNIFICANT_INDICATORS):
        for key, indicator in catalogue.items():
            assert indicator.key == key and indicator.label and key.isidentifier()


def test_commonly_added_vulnerabilities_are_there():
    assert {"looked_after_child", "special_educational_needs_or_disability"} <= set(risk.VULNERABILITIES)


def test_signs_of_actual_harm_are_flagged_in_the_catalogue():
    harm = {
        key
        for catalogue in (risk.VULNERABILITIES, risk.MODERATE_INDICATORS, risk.SIGNIFICANT_INDICATORS)
        for key, indicator in catalogue.items()
        if indicator.actual_harm
    }
    assert harm == {"pregnancy_or_termination", "unexplained_physical_injury", "sexually_transmitted_infection"}


# Score to category


@pytest.mark.parametrize(
    "points, category",
    [
        (0, RiskCategory.NOT_AT_RISK),
        (5, RiskCategory.NOT_AT_RISK),
        (6, RiskCategory.MILD),
        (10, RiskCategory.MILD),
        (11, RiskCategory.MODERATE),
        (15, RiskCategory.MODERATE),
        (16, RiskCategory.SIGNIFICANT),
        (40, RiskCategory.SIGNIFICANT),
    ],
)
def test_category_boundaries(points, category):
    assert risk.category_for_score(points) == category
    result = risk.assess(with_score(points))
    assert result.score == points
    assert result.score_category == result.tool_category == result.final_category == category


def test_negative_score_rejected():
    with pytest.raises(ValueError):
        risk.category_for_score(-1)


def test_categories_are_ordered_and_step_up_and_down():
    assert RiskCategory.NOT_AT_RISK < RiskCategory.MILD < RiskCategory.MODERATE < RiskCategory.SIGNIFICANT
    assert RiskCategory.MILD.raised() == RiskCategory.MODERATE
    assert RiskCategory.MILD.lowered() == RiskCategory.NOT_AT_RISK
    assert RiskCategory.SIGNIFICANT.raised() == RiskCategory.SIGNIFICANT
    assert RiskCategory.NOT_AT_RISK.lowered() == RiskCategory.NOT_AT_RISK
    assert RiskCategory.MILD.label == "Mild risk"


# Timing of significant indicators


@pytest.mark.parametrize(
    "timing, points", [(Timing.RECENT, 5), (Timing.EARLIER, 1), (Timing.BOTH, 6), (Timing.OLDER, 0), ("both", 6)]
)
def test_significant_indicator_points_by_timing(timing, points):
    result = risk.assess(screening(significant={"missing_overnight_or_longer": timing}))
    assert result.score == points
    [item] = result.indicator_points
    assert (item.key, item.points, item.timing) == ("missing_overnight_or_longer", points, Timing(timing))


def test_significant_indicator_seen_only_over_a_year_ago_is_not_a_cse_behaviour_seen():
    result = risk.assess(screening(age=11, significant={"missing_overnight_or_longer": Timing.OLDER}))
    assert not result.cse_behaviours_seen
    assert result.tool_category == RiskCategory.NOT_AT_RISK


def test_unknown_timing_rejected():
    with pytest.raises(risk.ScreeningError, match="'last year'"):
        screening(significant={"missing_overnight_or_longer": "last year"})


def test_points_are_shown_per_indicator_with_labels():
    result = risk.assess(
        screening(
            vulnerabilities={"isolation", "looked_after_child"},
            moderate={"drug_misuse"},
            significant={"unexplained_money_or_gifts": Timing.EARLIER},
        )
    )
    shown = [(item.group, item.label, item.points) for item in result.indicator_points]
    assert shown == [
        ("vulnerability", "Isolation", 1),
        ("vulnerability", "Looked after child", 1),
        ("moderate", "Drug misuse", 1),
        ("significant", "Unexplained money, phones, clothes or gifts", 1),
    ]
    assert result.score == risk.score(screening(vulnerabilities={"isolation"})) + 3


def test_signs_of_actual_harm_are_listed_apart_from_signs_of_risk():
    result = risk.assess(
        screening(
            moderate={"sexually_transmitted_infection", "staying_out_late"},
            significant={"pregnancy_or_termination": Timing.RECENT, "missing_overnight_or_longer": Timing.BOTH},
        )
    )
    assert {item.key for item in result.signs_of_actual_harm} == {
        "sexually_transmitted_infection",
        "pregnancy_or_termination",
    }
    assert {item.key for item in result.signs_of_risk} == {"staying_out_late", "missing_overnight_or_longer"}


# Overrides


def test_disclosure_alone_is_significant_and_notifies_police_and_social_care():
    result = risk.assess(screening(disclosure=True))
    assert result.score == 0
    assert result.score_category == RiskCategory.NOT_AT_RISK
    assert result.tool_category == result.final_category == RiskCategory.SIGNIFICANT
    assert result.notify_police_and_social_care
    assert [override.key for override in result.overrides] == ["disclosure"]
    assert "police and social care" in result.overrides[0].reason


def test_no_disclosure_no_notification():
    assert not risk.assess(with_score(20)).notify_police_and_social_care


def test_age_12_with_one_moderate_indicator_is_mild():
    result = risk.assess(screening(age=12, moderate={"staying_out_late"}))
    assert result.score_category == RiskCategory.NOT_AT_RISK
    assert result.tool_category == result.final_category == RiskCategory.MILD
    [override] = result.overrides
    assert override.minimum == RiskCategory.MILD and "aged 12" in override.reason


def test_age_13_with_one_moderate_indicator_is_not_at_risk():
    result = risk.assess(screening(age=13, moderate={"staying_out_late"}))
    assert result.tool_category == RiskCategory.NOT_AT_RISK
    assert result.overrides == ()


def test_learning_disability_with_one_moderate_indicator_is_mild():
    result = risk.assess(screening(age=15, learning_disability=True, moderate={"staying_out_late"}))
    assert result.tool_category == RiskCategory.MILD
    assert "learning disability" in result.overrides[0].reason


def test_learning_disability_with_a_significant_indicator_earlier_is_mild():
    result = risk.assess(screening(learning_disability=True, significant={"unexplained_money_or_gifts": "earlier"}))
    assert result.tool_category == RiskCategory.MILD


def test_age_12_with_no_indicators_is_not_at_risk():
    result = risk.assess(screening(age=12))
    assert result.tool_category == RiskCategory.NOT_AT_RISK
    assert not result.cse_behaviours_seen


def test_age_12_with_vulnerabilities_only_is_not_at_risk():
    result = risk.assess(screening(age=12, vulnerabilities={"isolation", "low_self_esteem"}))
    assert result.tool_category == RiskCategory.NOT_AT_RISK


def test_learning_disability_with_no_indicators_is_not_at_risk():
    assert risk.assess(screening(learning_disability=True)).tool_category == RiskCategory.NOT_AT_RISK


def test_age_from_date_of_birth():
    turns_13_on_assessment_day = dt.date(2013, 3, 2)
    twelve = screening(date_of_birth=dt.date(2013, 3, 3), moderate={"drug_misuse"})
    thirteen = screening(date_of_birth=turns_13_on_assessment_day, moderate={"drug_misuse"})
    assert twelve.age_at_assessment == 12 and risk.assess(twelve).tool_category == RiskCategory.MILD
    assert thirteen.age_at_assessment == 13 and risk.assess(thirteen).tool_category == RiskCategory.NOT_AT_RISK


def test_leap_day_birthday_turns_13_on_1_march():
    born = dt.date(2012, 2, 29)
    assert risk.age_on(born, dt.date(2025, 2, 28)) == 12
    assert risk.age_on(born, dt.date(2025, 3, 1)) == 13


def test_age_and_date_of_birth_must_agree():
    with pytest.raises(risk.ScreeningError, match="disagree"):
        screening(age=14, date_of_birth=dt.date(2013, 3, 3))


def test_floor_does_not_lower_a_higher_score():
    result = risk.assess(with_score(12, age=10, moderate={"drug_misuse"}))
    assert result.tool_category == RiskCategory.MODERATE


# Professional judgement


def test_judgement_raises_and_keeps_the_tool_result():
    result = risk.assess(with_score(7, judgement=RiskCategory.MODERATE, judgement_reason="Seen with known adult"))
    assert result.tool_category == RiskCategory.MILD
    assert result.final_category == RiskCategory.MODERATE
    assert result.judgement_changed_result
    assert result.judgement_reason == "Seen with known adult"


def test_judgement_lowers_and_keeps_the_tool_result():
    result = risk.assess(with_score(12, judgement=RiskCategory.MILD, judgement_reason="Indicators explained"))
    assert (result.tool_category, result.final_category) == (RiskCategory.MODERATE, RiskCategory.MILD)


@pytest.mark.parametrize("reason", ["", "   "])
@pytest.mark.parametrize("judgement", [RiskCategory.MODERATE, RiskCategory.NOT_AT_RISK])
def test_judgement_that_differs_needs_a_reason(judgement, reason):
    with pytest.raises(risk.MissingJudgementReason, match="judgement_reason"):
        risk.assess(with_score(7, judgement=judgement, judgement_reason=reason))


def test_judgement_agreeing_with_the_tool_needs_no_reason():
    result = risk.assess(with_score(7, judgement=RiskCategory.MILD))
    assert result.final_category == RiskCategory.MILD and not result.judgement_changed_result


def test_judgement_may_not_lower_a_disclosure():
    with pytest.raises(risk.JudgementBelowOverride, match="disclosure"):
        risk.assess(screening(disclosure=True, judgement=RiskCategory.MODERATE, judgement_reason="Retracted"))


def test_judgement_may_not_rate_a_young_child_with_cse_behaviours_not_at_risk():
    with pytest.raises(risk.JudgementBelowOverride):
        risk.assess(
            screening(
                age=11, moderate={"drug_misuse"}, judgement=RiskCategory.NOT_AT_RISK, judgement_reason="Explained"
            )
        )


def test_judgement_given_as_a_number_is_a_category():
    assert screening(judgement=1, judgement_reason="x").judgement is RiskCategory.MILD


# Unknown keys


@pytest.mark.parametrize(
    "fields",
    [
        {"vulnerabilities": {"isolation", "lonely"}},
        {"moderate": {"lonely"}},
        {"significant": {"lonely": Timing.RECENT}},
        {"moderate": {"looked_after_child"}},  # a known key in the wrong catalogue
    ],
)
def test_unknown_indicator_keys_are_rejected_naming_the_key(fields):
    key = "looked_after_child" if fields.get("moderate") == {"looked_after_child"} else "lonely"
    with pytest.raises(risk.UnknownIndicator, match=f"'{key}'"):
        screening(**fields)


def test_a_single_string_is_not_a_set_of_keys():
    with pytest.raises(TypeError):
        screening(moderate="drug_misuse")


def test_screening_is_frozen():
    with pytest.raises(AttributeError):
        screening().disclosure = True


# Reassessment


@pytest.mark.parametrize(
    "assessed_on, due",
    [
        (dt.date(2026, 3, 2), dt.date(2026, 6, 2)),
        (dt.date(2026, 10, 15), dt.date(2027, 1, 15)),
        (dt.date(2026, 11, 30), dt.date(2027, 2, 28)),
        (dt.date(2027, 11, 30), dt.date(2028, 2, 29)),
        (dt.date(2026, 5, 31), dt.date(2026, 8, 31)),
        (dt.date(2026, 3, 31), dt.date(2026, 6, 30)),
        (dt.date(2027, 12, 31), dt.date(2028, 3, 31)),
    ],
)
def test_reassessment_due_three_calendar_months_later(assessed_on, due):
    assert risk.reassessment_due(assessed_on) == due
    assert risk.assess(screening(assessed_on=assessed_on)).reassessment_due == due


def test_months_later_examples():
    assert clock.months_later(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert clock.months_later(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert clock.months_later(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert clock.months_later(dt.date(2026, 3, 31), -1) == dt.date(2026, 2, 28)
    assert clock.months_later(dt.date(2026, 1, 15), 0) == dt.date(2026, 1, 15)


# Properties

dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))
screenings = st.builds(
    Screening,
    assessed_on=dates,
    age=st.none() | st.integers(min_value=0, max_value=18),
    learning_disability=st.booleans(),
    disclosure=st.booleans(),
    vulnerabilities=st.frozensets(st.sampled_from(VULNERABILITY_KEYS)),
    moderate=st.frozensets(st.sampled_from(MODERATE_KEYS)),
    significant=st.dictionaries(st.sampled_from(SIGNIFICANT_KEYS), st.sampled_from(list(Timing))),
)
categories = st.sampled_from(list(RiskCategory))


@given(screenings)
def test_score_is_the_sum_of_the_points_shown(screening):
    result = risk.assess(screening)
    assert result.score == sum(item.points for item in result.indicator_points) == risk.score(screening)
    assert len(result.indicator_points) == (
        len(screening.vulnerabilities) + len(screening.moderate) + len(screening.significant)
    )
    assert set(result.signs_of_actual_harm) | set(result.signs_of_risk) == set(result.indicator_points)


def _with_one_more(screening, group, key, timing):
    if group == "vulnerability":
        return Screening(**{**vars(screening), "vulnerabilities": screening.vulnerabilities | {key}})
    if group == "moderate":
        return Screening(**{**vars(screening), "moderate": screening.moderate | {key}})
    if key in screening.significant:
        return screening  # already recorded: adding means adding a new indicator
    return Screening(**{**vars(screening), "significant": {**screening.significant, key: timing}})


@given(
    screenings,
    st.one_of(
        st.tuples(st.just("vulnerability"), st.sampled_from(VULNERABILITY_KEYS)),
        st.tuples(st.just("moderate"), st.sampled_from(MODERATE_KEYS)),
        st.tuples(st.just("significant"), st.sampled_from(SIGNIFICANT_KEYS)),
    ),
    st.sampled_from(list(Timing)),
)
def test_adding_an_indicator_never_lowers_the_tool_category(screening, addition, timing):
    group, key = addition
    before = risk.assess(screening)
    after = risk.assess(_with_one_more(screening, group, key, timing))
    assert after.score >= before.score
    assert after.tool_category >= before.tool_category


@given(screenings, st.none() | categories, st.sampled_from(["", "Known to the team"]))
def test_final_category_is_the_judgement_when_given_else_the_tool_result(screening, judgement, reason):
    tool_category = risk.assess(screening).tool_category
    screening = Screening(**{**vars(screening), "judgement": judgement, "judgement_reason": reason})
    try:
        result = risk.assess(screening)
    except risk.MissingJudgementReason:
        assert not reason and judgement != tool_category
        return
    except risk.JudgementBelowOverride:
        assert judgement is not None and (screening.disclosure or risk.cse_behaviours_seen(screening))
        return
    floor = max((override.minimum for override in result.overrides), default=RiskCategory.NOT_AT_RISK)
    assert result.tool_category == max(result.score_category, floor)
    assert result.tool_category >= result.score_category
    assert result.tool_category == tool_category
    assert result.final_category == (judgement if judgement is not None else tool_category)


@given(screenings)
def test_disclosure_always_gives_the_highest_category(screening):
    result = risk.assess(Screening(**{**vars(screening), "disclosure": True}))
    assert result.tool_category == result.final_category == risk.HIGHEST_CATEGORY == max(RiskCategory)
    assert result.notify_police_and_social_care


@given(screenings)
def test_young_or_learning_disabled_child_with_cse_behaviours_is_never_not_at_risk(screening):
    result = risk.assess(screening)
    young = screening.age is not None and screening.age <= 12
    if (young or screening.learning_disability) and result.cse_behaviours_seen:
        assert result.final_category >= RiskCategory.MILD


@given(screenings)
def test_reassessment_due_is_three_months_on(screening):
    result = risk.assess(screening)
    assert result.reassessment_due == clock.months_later(screening.assessed_on, 3) > screening.assessed_on


@given(dates, st.integers(min_value=-1200, max_value=1200))
def test_months_later_lands_in_the_right_month_never_past_the_day(day, months):
    later = clock.months_later(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day <= day.day
    if later.day < day.day:  # clamped: the target month is too short, so we are on its last day
        assert (later + dt.timedelta(days=1)).month != later.month


@given(dates, st.integers(min_value=-600, max_value=600), st.integers(min_value=-600, max_value=600))
def test_months_later_adds_up_when_no_clamping(day, first, second):
    if day.day <= 28:
        assert clock.months_later(clock.months_later(day, first), second) == clock.months_later(day, first + second)
