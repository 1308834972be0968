"""The real-time person matcher: candidates from indexed blocking keys in the database, scored in process
with the active saved model's weights (no Splink at request time).

Bands (configurable): auto-link at or above SAFEHUB_LINK_AUTO_PROBABILITY, needs review at or above
SAFEHUB_LINK_REVIEW_PROBABILITY, otherwise no link.
"""

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from django.conf import settings
from django.db import connection

from safehub import clock
from safehub.linking import filing
from safehub.linking.bulk import prepare_record
from safehub.linking.clustering import contradicts, held_reason
from safehub.linking.models import Mention, ModelVersion, PersonLink
from safehub.linking.scorer import Scorer, parse_rule

DEFAULT_MODEL = Path(__file__).with_name("default_model.json")
CANDIDATE_LIMIT = 200
GUARD = "guard"

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
    """The active model's version, or "default": the packaged model trained on synthetic data. Read once in a run
    of the worker's filer (`filing.one_run`)."""
    run = filing.current()
    if run is None:
        return _read_active_version()
    if "model_version" not in run:
        run["model_version"] = _read_active_version()
    return run["model_version"]


def _read_active_version():
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


def _blocking_sql(mention, rules):
    """Mentions sharing any blocking key with this one, as SQL: one OR of equalities, all on indexed columns (the
    column names are the model fields the rules name, the values parameters). ("", []) if it has no key."""
    keys, params = [], []
    for rule in rules:
        columns, values = [], []
        for left, right in rule:
            value = getattr(mention, MENTION_FIELDS[left]) if left in MENTION_FIELDS else None
            if right not in MENTION_FIELDS or value in (None, ""):
                break
            columns.append(MENTION_FIELDS[right])
            values.append(value)
        else:
            keys.append("(" + " AND ".join(f"{column} = %s" for column in columns) + ")")
            params += values
    return " OR ".join(keys), params


class Candidate(NamedTuple):
    """A candidate as scoring and grouping read it: its id and the values the model compares (a plain row, not a
    model instance: a common name has hundreds of candidates at a million mentions)."""

    id: int
    kind: str
    entity_id: int | None
    intelligence_id: int | None
    first_name: str
    last_name: str
    nickname_key: str
    date_of_birth: date | None
    postcode: str
    first_key: str
    last_key: str

    @property
    def pk(self):
        return self.id


# What scoring and grouping read of a candidate (the rest of its row is left in the database).
CANDIDATE_FIELDS = Candidate._fields[1:]

_CANDIDATE_PART = (f"SELECT * FROM (SELECT {', '.join(Candidate._fields)}, {{number}} AS branch "
                   f"FROM {Mention._meta.db_table} WHERE {{where}} "
                   f"LIMIT {2 * CANDIDATE_LIMIT}) AS part{{number}}")  # nosec B608: our names; values are parameters


def candidates(mention, rules):
    """Mentions of the same kind sharing a blocking key. The kind is checked here rather than in SQL: with
    `kind = ?` beside the OR, SQLite searches the (kind, key) index and reads every person mention, while the OR
    alone is answered from the blocking keys' own indexes (MULTI-INDEX OR; PostgreSQL's BitmapOr either way)."""
    return candidates_of([mention], rules)[0]


def candidates_of(mentions, rules):
    """`candidates` of several mentions, [[Candidate]] in their order, read in one hand-written statement (a UNION
    ALL with one part, and its own limit, per mention) on every database: the ORM spent longer building the
    statement than the database took to answer it (ADR 38)."""
    parts, params = [], []
    for number, mention in enumerate(mentions):
        where, values = _blocking_sql(mention, rules)
        if not where:
            continue
        if mention.pk is not None:
            where, values = f"id <> %s AND ({where})", [mention.pk, *values]
        parts.append(_CANDIDATE_PART.format(where=where, number=number))
        params += values
    found = [[] for _ in mentions]
    if not parts:
        return found
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    for *values, branch in rows:
        row = Candidate._make(values)
        if row.kind == mentions[branch].kind and len(found[branch]) < CANDIDATE_LIMIT:
            if isinstance(row.date_of_birth, str):  # SQLite gives a subquery's dates back as text
                row = row._replace(date_of_birth=date.fromisoformat(row.date_of_birth))
            found[branch].append(row)
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
