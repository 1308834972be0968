"""The real-time person matcher: candidates from indexed blocking keys in the database, scored in process
with the active saved model's weights (no Splink at request time).

Bands (configurable): auto-link at or above SAFEHUB_LINK_AUTO_PROBABILITY, needs review at or above
SAFEHUB_LINK_REVIEW_PROBABILITY, otherwise no link.
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from django.conf import settings
from django.db import connection
from django.db.models import Q, Value

from safehub import clock
from safehub.linking.bulk import prepare_record
from safehub.linking.clustering import contradicts, held_reason
from safehub.linking.models import Mention, ModelVersion, PersonLink
from safehub.linking.scorer import Scorer, parse_rule

DEFAULT_MODEL = Path(__file__).with_name("default_model.json")
CANDIDATE_LIMIT = 200
GUARD = "guard"

# What scoring and grouping read of a candidate (the rest of its row is left in the database).
CANDIDATE_FIELDS = ("kind", "entity_id", "intelligence_id", "first_name", "last_name", "nickname_key", "date_of_birth",
                    "postcode", "first_key", "last_key")

# A prepared record's column -> the Mention field holding the same normalised value.
MENTION_FIELDS = {"first_name": "first_name", "first_key": "first_key", "surname": "last_key",
                  "dob": "date_of_birth", "postcode": "postcode", "nickname": "nickname_key"}

PLAIN_WORDS = {"first_name": "First name", "first_key": "First name (variant group)", "surname": "Surname",
               "dob": "Date of birth", "postcode": "Postcode", "nickname": "Nickname", "middle_name": "Middle name",
               "sex": "Sex", "address": "Address and postcode", "town": "Town", "phone": "Phone", "email": "Email",
               "vehicle": "Vehicle", "handle": "Online account"}


@dataclass(frozen=True)
class Score:
    weight: float
    probability: float
    band: str
    evidence: list
    model_version: str


def active_version():
    """The active model's version, or "default": the packaged model trained on synthetic data."""
    return ModelVersion.objects.filter(active=True).values_list("version", flat=True).first() or "default"


@lru_cache(maxsize=4)
def _scorer_for(version):
    """A model version never changes once saved, so its scorer is built once per process."""
    if version == "default":
        model = json.loads(DEFAULT_MODEL.read_text(encoding="utf-8"))
    else:
        model = ModelVersion.objects.get(version=version).model
    return Scorer.from_model(model)


def scorer():
    version = active_version()
    return version, _scorer_for(version)


def prepared(mention):
    """The mention as the model compares it (a read-only mapping). Names collide (fifty children called Amelia
    Ashley are fifty candidates of the next), so each distinct set of values is prepared once per day and kept."""
    return _prepared(_compared(mention), clock.today())


def _compared(mention):
    """The values of a mention the model compares."""
    return (mention.first_name, mention.last_name, mention.postcode, mention.nickname_key,
            mention.date_of_birth.isoformat() if mention.date_of_birth else "")


@lru_cache(maxsize=20_000)
def _prepared(values, today):
    first_name, surname, postcode, nickname, date_of_birth = values
    return MappingProxyType(prepare_record({"first_name": first_name, "surname": surname, "postcode": postcode,
                                            "nickname": nickname, "date_of_birth": date_of_birth}, today))


def band_for(probability):
    if probability >= settings.SAFEHUB_LINK_AUTO_PROBABILITY:
        return PersonLink.Band.AUTO
    if probability >= settings.SAFEHUB_LINK_REVIEW_PROBABILITY:
        return PersonLink.Band.REVIEW
    return PersonLink.Band.NONE


def _blocking_query(mention, rules):
    """Mentions sharing any blocking key with this one: one OR of equalities, all on indexed columns."""
    query = Q(pk__in=[])
    for rule in rules:
        conditions = {}
        for left, right in rule:
            if left not in MENTION_FIELDS or right not in MENTION_FIELDS:
                break
            value = getattr(mention, MENTION_FIELDS[left])
            if value in (None, ""):
                break
            conditions[MENTION_FIELDS[right]] = value
        else:
            query |= Q(**conditions)
    return query


def _candidate_query(mention, rules):
    """Mentions sharing a blocking key with this one (any kind: see `candidates`), at most twice the limit, with
    only the columns scoring and grouping read."""
    return (Mention.objects.exclude(pk=mention.pk).filter(_blocking_query(mention, rules))
            .only(*CANDIDATE_FIELDS)[:2 * CANDIDATE_LIMIT])


def candidates(mention, rules):
    """Mentions of the same kind sharing a blocking key. The kind is checked here rather than in SQL: with
    `kind = ?` beside the OR, SQLite searches the (kind, key) index and reads every person mention, while the OR
    alone is answered from the blocking keys' own indexes (MULTI-INDEX OR; PostgreSQL's BitmapOr either way)."""
    return candidates_of([mention], rules)[0]


def candidates_of(mentions, rules):
    """`candidates` of several mentions, [[candidate]] in their order, read in one statement where the database
    allows a limit in each part of a UNION ALL (PostgreSQL: one round trip however many people a report names);
    SQLite answers in process, one query a mention."""
    queries = [_candidate_query(mention, rules).annotate(branch=Value(number))
               for number, mention in enumerate(mentions)]
    if len(queries) > 1 and connection.features.supports_slicing_ordering_in_compound:
        rows = list(queries[0].union(*queries[1:], all=True))
    else:
        rows = [row for query in queries for row in query]
    found = [[] for _ in mentions]
    for row in rows:
        if row.kind == mentions[row.branch].kind and len(found[row.branch]) < CANDIDATE_LIMIT:
            found[row.branch].append(row)
    return found


def score_pair(scorer_, version, left, right):
    return score_prepared(scorer_, version, prepared(left), prepared(right))


def score_prepared(scorer_, version, a, b):
    """The Score of two prepared records: the weight, its evidence in words, the band, and the guards."""
    explained = scorer_.explain(a, b)
    weight = scorer_.prior_weight + sum(level_weight for _, _, level_weight in explained)
    probability = scorer_.probability(weight)
    evidence = [{"field": name, "label": PLAIN_WORDS.get(name, name.replace("_", " ").capitalize()),
                 "comparison": level, "weight": round(level_weight, 3)}
                for name, level, level_weight in explained]
    evidence.insert(0, {"field": "prior", "label": "Starting point (how rare a match is)", "comparison": "prior",
                        "weight": round(scorer_.prior_weight, 3)})
    band = band_for(probability)
    if contradicts(a, b):
        # Twins share a surname, an address and a birthday; a father and son share a name and an address.
        evidence.append({"field": GUARD, "label": "Kept apart unless an analyst confirms",
                         "comparison": held_reason(a, b), "weight": 0})
        band = PersonLink.Band.REVIEW if band == PersonLink.Band.AUTO else band
    return Score(weight=weight, probability=probability, band=band, evidence=evidence, model_version=version)


def score_candidates(mention):
    """[(candidate mention, Score)] for every candidate of the same kind sharing a blocking key."""
    return score_candidates_of([mention])[0]


def score_candidates_of(mentions):
    """[[(candidate mention, Score)]] for each mention, in their order: the model's version read once, the
    candidates of all of them in one statement, each record prepared once."""
    if not mentions:
        return []
    version, scorer_ = scorer()
    rules = [parse_rule(sql) for sql in scorer_.blocking_rules]
    today, scored = clock.today(), []
    for mention, found in zip(mentions, candidates_of(mentions, rules)):
        own, scores = prepared(mention), {}  # candidates with the same values (namesakes) score the same
        for candidate in found:
            values = _compared(candidate)
            if values not in scores:
                scores[values] = score_prepared(scorer_, version, own, _prepared(values, today))
        scored.append([(candidate, scores[_compared(candidate)]) for candidate in found])
    return scored
