"""Exploitation risk screening: the scoring core of the SERAF-style tool (Hampshire scoring guidance).

Children being exploited often do not see themselves as victims, so risk comes from indicators:

- vulnerabilities, 1 point each;
- moderate indicators, 1 point each (present now or in the last 6 months);
- significant indicators, 5 points if current or within 6 months, 1 point if 6-12 months ago, 6 if both,
  and nothing if only seen more than 12 months ago (see `Timing`).

Score to category: 0-5 not at risk, 6-10 mild, 11-15 moderate, 16+ significant. Overrides: a disclosure puts
the result at once in the highest category and police and social care must be notified; a child aged 12 or
under, or with a learning disability, is never rated "not at risk" where CSE behaviours are seen. A
professional may raise or lower the tool's result with a recorded reason; the tool's result is kept beside it.

The tool is not validated: show the indicators (`Result.indicator_points`) and the judgement, never a bare
score, and keep signs of actual harm (`Result.signs_of_actual_harm`) apart from signs of risk.

Pure Python: no models here; storing assessments (history, never overwrite) comes later. Dates come from
`safehub.clock`, the one clock.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from django.db import models

from safehub import clock

YOUNG_CHILD_MAX_AGE = 12


class ScreeningError(ValueError):
    """A screening that cannot be scored as given; the message says what is wrong or missing."""


class UnknownIndicator(ScreeningError):
    pass


class MissingJudgementReason(ScreeningError):
    pass


class JudgementBelowOverride(ScreeningError):
    pass


class RiskCategory(models.IntegerChoices):
    """Ordered: categories compare (`MILD < MODERATE`) and can be raised or lowered a step at a time."""

    NOT_AT_RISK = 0, "Not at risk"
    MILD = 1, "Mild risk"
    MODERATE = 2, "Moderate risk"
    SIGNIFICANT = 3, "Significant risk"

    def raised(self, steps=1):
        return RiskCategory(min(self + steps, RiskCategory.SIGNIFICANT))

    def lowered(self, steps=1):
        return RiskCategory(max(self - steps, RiskCategory.NOT_AT_RISK))


HIGHEST_CATEGORY = RiskCategory.SIGNIFICANT

# Lowest score of each category, highest first.
CATEGORY_THRESHOLDS = (
    (16, RiskCategory.SIGNIFICANT),
    (11, RiskCategory.MODERATE),
    (6, RiskCategory.MILD),
    (0, RiskCategory.NOT_AT_RISK),
)


class Timing(models.TextChoices):
    """When a significant indicator was seen.

    "older" (only seen more than 12 months ago) is accepted so that the history can be recorded, but it
    scores nothing and does not count as a CSE behaviour seen.
    """

    RECENT = "recent", "Current or within the last 6 months"
    EARLIER = "earlier", "6 to 12 months ago"
    BOTH = "both", "Both within 6 months and 6 to 12 months ago"
    OLDER = "older", "Only more than 12 months ago"


SIGNIFICANT_POINTS = {Timing.RECENT: 5, Timing.EARLIER: 1, Timing.BOTH: 6, Timing.OLDER: 0}


class IndicatorGroup(models.TextChoices):
    VULNERABILITY = "vulnerability", "Vulnerability"
    MODERATE = "moderate", "Moderate indicator"
    SIGNIFICANT = "significant", "Significant indicator"


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    actual_harm: bool = False  # a sign of harm already done, not only of risk


def _catalogue(*indicators):
    return MappingProxyType({indicator.key: indicator for indicator in indicators})


VULNERABILITIES = _catalogue(
    Indicator("emotional_neglect", "Emotional neglect"),
    Indicator("physical_abuse", "Physical abuse"),
    Indicator("sexual_abuse", "Sexual abuse"),
    Indicator("family_breakdown", "Family breakdown"),
    Indicator("domestic_abuse_history", "History of domestic abuse"),
    Indicator("family_substance_misuse", "Substance misuse in the family"),
    Indicator("family_mental_health_history", "History of mental health difficulties in the family"),
    Indicator("low_self_esteem", "Low self-esteem"),
    Indicator("unsuitable_accommodation", "Unsuitable accommodation"),
    Indicator("isolation", "Isolation"),
    Indicator("no_positive_adult_relationship", "No positive relationship with an adult"),
    Indicator("looked_after_child", "Looked after child"),
    Indicator("special_educational_needs_or_disability", "Special educational needs or disability"),
)

MODERATE_INDICATORS = _catalogue(
    Indicator("staying_out_late", "Staying out late"),
    Indicator("multiple_unknown_callers", "Multiple unknown callers"),
    Indicator("concerning_phone_use", "Concerning use of a phone"),
    Indicator("expressions_of_despair", "Expressions of despair"),
    Indicator("school_exclusion_or_absence", "Exclusion or absence from school"),
    Indicator("disclosure_then_withdrawal", "Disclosure, then withdrawal of it"),
    Indicator("sexually_transmitted_infection", "Sexually transmitted infections", actual_harm=True),
    Indicator("peers_involved_in_exploitation", "Peers involved in exploitation"),
    Indicator("drug_misuse", "Drug misuse"),
    Indicator("alcohol_misuse", "Alcohol misuse"),
    Indicator("concerning_internet_use", "Concerning use of the internet"),
    Indicator("living_independently_not_engaging", "Living independently and not engaging with services"),
)

SIGNIFICANT_INDICATORS = _catalogue(
    Indicator("missing_overnight_or_longer", "Going missing overnight or longer"),
    Indicator("older_boyfriend_or_controlling_adult", 'Older "boyfriend" or a controlling adult'),
    Indicator("getting_into_cars_with_unknown_adults", "Getting into cars with unknown adults"),
    Indicator("unexplained_money_or_gifts", "Unexplained money, phones, clothes or gifts"),
    Indicator("secretive_online_activity_or_sexual_images", "Secretive online activity or sending sexual images"),
    Indicator("seen_at_hotspots_or_adult_premises", "Seen at known hotspots or adult premises"),
    Indicator("pregnancy_or_termination", "Pregnancy or termination", actual_harm=True),
    Indicator("unexplained_physical_injury", "Physical injury without explanation", actual_harm=True),
)


# What the screener saw, recorded beside the indicators and never scored: the kinds of harm (so child sexual
# exploitation is counted apart from other child sexual abuse, as the IICSA core data set asks) and the
# settings where it happened. Stored as lists of keys, like the indicators.

HARMS = _catalogue(
    Indicator("cse", "Child sexual exploitation"),
    Indicator("other_csa", "Other child sexual abuse"),
    Indicator("cce", "Child criminal exploitation or county lines"),
    Indicator("other_harm", "Other exploitation or harm"),
)

SETTINGS = _catalogue(
    Indicator("child_home", "The child's home"),
    Indicator("other_private_home", "Another private home or \"party house\""),
    Indicator("school", "School or college"),
    Indicator("online", "Online or by phone"),
    Indicator("hotel", "Hotel or short-let"),
    Indicator("vehicle", "Vehicle or taxi"),
    Indicator("business", "Takeaway or other business"),
    Indicator("public_place", "Public place (park, shopping centre, street)"),
    Indicator("care_home", "Care home or supported accommodation"),
    Indicator("other", "Other setting"),
)


def labels(catalogue, keys):
    """The labels of the recorded keys, in catalogue order (what a page shows)."""
    recorded = set(keys or ())
    return [item.label for key, item in catalogue.items() if key in recorded]


def _check_keys(keys, catalogue, group):
    for key in keys:
        if key not in catalogue:
            name = group if isinstance(group, str) else group.label.lower()
            raise UnknownIndicator(f"Unknown {name} {key!r}. Known keys: {', '.join(catalogue)}.")


def _as_key_set(value, name):
    if isinstance(value, str):
        raise TypeError(f"{name} must be a collection of indicator keys, not the single string {value!r}.")
    return frozenset(value)


def age_on(date_of_birth, day):
    """Age in whole years on `day` (a 29 February birthday is reached on 1 March in other years)."""
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


@dataclass(frozen=True, kw_only=True)
class Screening:
    """What the worker recorded. Significant indicators map each key to its `Timing` (or its value)."""

    assessed_on: dt.date
    age: int | None = None
    date_of_birth: dt.date | None = None
    learning_disability: bool = False
    disclosure: bool = False
    vulnerabilities: frozenset = frozenset()
    moderate: frozenset = frozenset()
    significant: Mapping = field(default_factory=dict, hash=False)
    judgement: RiskCategory | None = None
    judgement_reason: str = ""
    harms: frozenset = frozenset()  # kinds of harm seen (not scored); empty on screenings made before they were asked
    settings: frozenset = frozenset()  # settings where it happened (not scored); may be empty

    def __post_init__(self):
        harms = _as_key_set(self.harms, "harms")
        settings = _as_key_set(self.settings, "settings")
        _check_keys(harms, HARMS, "kind of harm")
        _check_keys(settings, SETTINGS, "setting")
        object.__setattr__(self, "harms", harms)
        object.__setattr__(self, "settings", settings)
        vulnerabilities = _as_key_set(self.vulnerabilities, "vulnerabilities")
        moderate = _as_key_set(self.moderate, "moderate")
        _check_keys(vulnerabilities, VULNERABILITIES, IndicatorGroup.VULNERABILITY)
        _check_keys(moderate, MODERATE_INDICATORS, IndicatorGroup.MODERATE)
        _check_keys(self.significant, SIGNIFICANT_INDICATORS, IndicatorGroup.SIGNIFICANT)
        significant = {}
        for key, timing in self.significant.items():
            if timing not in Timing.values:
                raise ScreeningError(
                    f"Unknown timing {timing!r} for {key!r}. Known timings: {', '.join(Timing.values)}."
                )
            significant[key] = Timing(timing)
        object.__setattr__(self, "vulnerabilities", vulnerabilities)
        object.__setattr__(self, "moderate", moderate)
        object.__setattr__(self, "significant", MappingProxyType(significant))
        if self.judgement is not None:
            if self.judgement not in RiskCategory.values:
                raise ScreeningError(f"Unknown judgement category {self.judgement!r}.")
            object.__setattr__(self, "judgement", RiskCategory(self.judgement))
        if self.age is not None and self.age < 0:
            raise ScreeningError(f"age cannot be negative (got {self.age}).")
        if self.date_of_birth is not None:
            if self.date_of_birth > self.assessed_on:
                raise ScreeningError("date_of_birth is after assessed_on.")
            if self.age is not None and self.age != age_on(self.date_of_birth, self.assessed_on):
                raise ScreeningError("age and date_of_birth disagree; give one or make them agree.")

    @property
    def age_at_assessment(self):
        """Age in whole years on the assessment date, or None if neither age nor date of birth is known."""
        if self.date_of_birth is not None:
            return age_on(self.date_of_birth, self.assessed_on)
        return self.age


@dataclass(frozen=True)
class IndicatorPoints:
    """One indicator as recorded, with the points it scored: what the screen shows instead of a bare score."""

    key: str
    label: str
    group: IndicatorGroup
    points: int
    actual_harm: bool
    timing: Timing | None = None  # significant indicators only


@dataclass(frozen=True)
class Override:
    """A rule that set a floor under the tool's result, and why."""

    key: str
    minimum: RiskCategory
    reason: str


@dataclass(frozen=True)
class Result:
    assessed_on: dt.date
    score: int
    score_category: RiskCategory  # from the score alone
    tool_category: RiskCategory  # the tool's own result: the score category after overrides
    final_category: RiskCategory  # after professional judgement (the tool's result if none)
    indicator_points: tuple
    overrides: tuple
    cse_behaviours_seen: bool
    notify_police_and_social_care: bool
    judgement: RiskCategory | None
    judgement_reason: str
    reassessment_due: dt.date

    @property
    def signs_of_actual_harm(self):
        """Recorded indicators that show harm already done (whatever their timing or points)."""
        return tuple(item for item in self.indicator_points if item.actual_harm)

    @property
    def signs_of_risk(self):
        return tuple(item for item in self.indicator_points if not item.actual_harm)

    @property
    def judgement_changed_result(self):
        return self.final_category != self.tool_category


def indicator_points(screening):
    """Points per recorded indicator: vulnerabilities, then moderate, then significant, in catalogue order."""
    items = []
    for group, catalogue, recorded in (
        (IndicatorGroup.VULNERABILITY, VULNERABILITIES, screening.vulnerabilities),
        (IndicatorGroup.MODERATE, MODERATE_INDICATORS, screening.moderate),
    ):
        items += [
            IndicatorPoints(key, indicator.label, group, 1, indicator.actual_harm)
            for key, indicator in catalogue.items()
            if key in recorded
        ]
    items += [
        IndicatorPoints(
            key,
            indicator.label,
            IndicatorGroup.SIGNIFICANT,
            SIGNIFICANT_POINTS[screening.significant[key]],
            indicator.actual_harm,
            screening.significant[key],
        )
        for key, indicator in SIGNIFICANT_INDICATORS.items()
        if key in screening.significant
    ]
    return tuple(items)


def score(screening):
    return sum(item.points for item in indicator_points(screening))


def category_for_score(points):
    if points < 0:
        raise ValueError(f"A score cannot be negative (got {points}).")
    return next(category for lowest, category in CATEGORY_THRESHOLDS if points >= lowest)


def cse_behaviours_seen(screening):
    """Any moderate indicator, or any significant indicator seen in the last 12 months."""
    return bool(screening.moderate) or any(timing != Timing.OLDER for timing in screening.significant.values())


def overrides_for(screening):
    """The override rules in force for this screening, each with the lowest category it allows."""
    overrides = []
    if screening.disclosure:
        overrides.append(
            Override(
                "disclosure",
                HIGHEST_CATEGORY,
                "The child has made a disclosure: the result is at once the highest category, "
                "and police and social care must be notified.",
            )
        )
    if cse_behaviours_seen(screening):
        age = screening.age_at_assessment
        if age is not None and age <= YOUNG_CHILD_MAX_AGE:
            reason = f"The child is aged {age} (12 or under)"
        elif screening.learning_disability:
            reason = "The child has a learning disability"
        else:
            reason = None
        if reason:
            overrides.append(
                Override(
                    "young_child_or_learning_disability",
                    RiskCategory.MILD,
                    f'{reason} and CSE behaviours are seen: never rated "not at risk".',
                )
            )
    return tuple(overrides)


def reassessment_due(assessed_on):
    """Reassess at least every 3 months: the same day 3 calendar months later (clamped to month end)."""
    return clock.risk_reassessment_due(assessed_on)


def assess(screening):
    """Score a screening, apply the overrides, then the professional judgement if one is given.

    The judgement may raise or lower the tool's result, with a reason whenever it differs from it; it may not
    go below a floor set by an override (a disclosure stays in the highest category; a young child or a
    child with a learning disability with CSE behaviours seen is never "not at risk").
    """
    points = indicator_points(screening)
    total = sum(item.points for item in points)
    score_category = category_for_score(total)
    overrides = overrides_for(screening)
    floor = max((override.minimum for override in overrides), default=RiskCategory.NOT_AT_RISK)
    tool_category = max(score_category, floor)

    final_category = tool_category
    if screening.judgement is not None:
        if screening.judgement < floor:
            raise JudgementBelowOverride(
                f"The judgement ({screening.judgement.label}) is below the floor set by the overrides "
                f"({floor.label}): {' '.join(override.reason for override in overrides)}"
            )
        if screening.judgement != tool_category and not screening.judgement_reason.strip():
            raise MissingJudgementReason(
                f"judgement_reason is required: the professional judgement ({screening.judgement.label}) "
                f"differs from the tool's result ({tool_category.label})."
            )
        final_category = screening.judgement

    return Result(
        assessed_on=screening.assessed_on,
        score=total,
        score_category=score_category,
        tool_category=tool_category,
        final_category=final_category,
        indicator_points=points,
        overrides=overrides,
        cse_behaviours_seen=cse_behaviours_seen(screening),
        notify_police_and_social_care=screening.disclosure,
        judgement=screening.judgement,
        judgement_reason=screening.judgement_reason.strip(),
        reassessment_due=reassessment_due(screening.assessed_on),
    )
