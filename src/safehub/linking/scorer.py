"""The real-time matcher's scorer: a saved Splink model's weights applied in plain Python.

`Scorer(model_path)` reads the model JSON written by `safehub link csv` (Splink's `save_model_to_json`),
takes each comparison level's m and u probabilities, and scores a pair of prepared records exactly as
Splink's predict does (match weight = log2 prior odds + sum of log2(m/u) of the level each comparison
falls in), with the level tests from `comparisons.py`. No database and no Splink at scoring time: one pair
takes microseconds. `CandidateIndex` finds the records sharing a blocking key with a new record.
"""

import json
import math
import re
from collections import defaultdict
from pathlib import Path

from safehub.linking.comparisons import BY_NAME

NOT_OBSERVED = 1e-6  # what Splink uses for a level that training never saw
CLAMP = 1e-300  # Splink's smallest m or u


class ModelError(ValueError):
    pass


def _probability(value):
    if value is None:
        return None
    return NOT_OBSERVED if isinstance(value, str) else float(value)


def _level_weight(level):
    if level.get("is_null_level"):
        return 0.0
    m, u = _probability(level.get("m_probability")), _probability(level.get("u_probability"))
    if m is None or u is None:
        raise ModelError(f"level '{level.get('label_for_charts')}' has no trained m and u probabilities")
    return math.log2(max(m, CLAMP) / max(u, CLAMP))


def _comparison_weights(comparison):
    name = comparison["output_column_name"]
    spec = BY_NAME.get(name)
    if spec is None:
        raise ModelError(f"the model has a comparison '{name}' that the scorer does not know")
    labels = [level["label_for_charts"] for level in comparison["comparison_levels"]]
    if labels != [level.label for level in spec.levels]:
        raise ModelError(f"the model's '{name}' levels {labels} differ from this version's comparisons")
    return spec, [_level_weight(level) for level in comparison["comparison_levels"]]


class Scorer:
    """Match weights for pairs of prepared records (dicts with comparisons.MODEL_COLUMNS)."""

    def __init__(self, model_path=None, *, model=None):
        if model is None:
            model = json.loads(Path(model_path).read_text(encoding="utf-8"))
        prior = float(model["probability_two_random_records_match"])
        self.prior_weight = math.log2(prior / (1 - prior))
        self.comparisons = [_comparison_weights(comparison) for comparison in model["comparisons"]]
        self.blocking_rules = [rule["blocking_rule"] for rule in model["blocking_rules_to_generate_predictions"]]

    @classmethod
    def from_model(cls, model):
        """A scorer for a model already read (e.g. from the database)."""
        return cls(model=model)

    def weight(self, left, right):
        return self.prior_weight + sum(level_weight for _, _, level_weight in self.explain(left, right))

    def explain(self, left, right):
        """[(comparison, level label, weight)]: the evidence behind a weight (the first level each comparison's
        pair meets, as in Splink)."""
        evidence = []
        for spec, weights in self.comparisons:
            for level, level_weight in zip(spec.levels, weights):
                if level.test(left, right):
                    evidence.append((spec.name, level.label, level_weight))
                    break
        return evidence

    @staticmethod
    def probability(weight):
        if weight > 1000:
            return 1.0
        odds = 2.0 ** weight
        return odds / (1 + odds)


def blocking_keys(record, rules):
    """The record's key for each equality blocking rule it has all values for: [(rule index, values)]."""
    keys = []
    for index, columns in enumerate(rules):
        values = tuple(record[left] for left, _ in columns)
        if all(value is not None for value in values):
            keys.append((index, values))
    return keys


EQUALITY = re.compile(r'l\.("?)(\w+)\1\s*=\s*r\.("?)(\w+)\3')


def parse_rule(sql):
    """'l."a" = r."a" AND l.b = r.c' -> [('a', 'a'), ('b', 'c')]: the left and right column of each equality.

    Any other condition of a rule (the batch's dates of birth under ten years apart, ADR 37) is left out: the
    equalities find a superset of the rule's pairs, which the scorer and the guards then judge."""
    pairs = []
    for part in sql.split(" AND "):
        equality = EQUALITY.fullmatch(part.strip())
        if equality:
            pairs.append((equality[2], equality[4]))
    return pairs


class CandidateIndex:
    """In-memory index of prepared records by the model's blocking keys, for one-record-at-a-time matching."""

    def __init__(self, scorer):
        self.scorer = scorer
        self.rules = [parse_rule(sql) for sql in scorer.blocking_rules]
        # For a rule joining different columns (names swapped), the new record is looked up by its right side.
        self.lookup_rules = [[(right, left) for left, right in rule] for rule in self.rules]
        self.buckets = defaultdict(list)
        self.records = {}

    def add(self, record_id, record):
        self.records[record_id] = record
        for key in blocking_keys(record, self.rules):
            self.buckets[key].append(record_id)

    def candidates(self, record):
        found = set()
        for key in blocking_keys(record, self.lookup_rules):
            found.update(self.buckets.get(key, ()))
        return found

    def match(self, record, threshold_weight=None):
        """[(weight, record_id)] of candidates, best first (only those at or above threshold_weight if given)."""
        scored = []
        for record_id in self.candidates(record):
            weight = self.scorer.weight(record, self.records[record_id])
            if threshold_weight is None or weight >= threshold_weight:
                scored.append((weight, record_id))
        return sorted(scored, reverse=True)
