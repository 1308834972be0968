"""The Splink 5 model for people: settings, training, prediction, saving. DuckDB is the engine here;
spark_engine.py runs the same settings on Spark (its SQL conditions are written in DuckDB's dialect).

Comparisons come from `comparisons.py` (shared with the in-process scorer). Training is unsupervised:
u-probabilities by random sampling, m-probabilities by expectation maximisation on two blocking rules that
each leave the other fields free, and the prior from deterministic rules with an assumed recall.
"""

import copy
import json
import logging
import math
from pathlib import Path

from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.exceptions import EMTrainingException

from safehub.linking.comparisons import BY_NAME, COMPARISONS, has_data, splink_comparison

logger = logging.getLogger(__name__)

# Candidate pairs: any rule is enough. Chosen for recall: each rule survives errors in the fields it omits.
# No rule may pair everyone on a street or in a postcode: in a real town a street name recurs in many postcodes
# and a postcode holds about 40 people, and (house_number, street), (street, postcode) and (surname, street)
# made 72 million of the 84 million candidate pairs of the dense million-record benchmark while finding 1 true
# pair at the threshold that the others miss. A house on a street is pinned to its town instead (ADR 31).
BLOCKING_RULES = [
    ("first_key", "surname"),
    ("surname", "dob"),
    ("first_key", "dob"),
    ("postcode", "dob"),
    ("postcode", "first_key"),
    ("postcode", "surname"),
    ("dob", "street"),
    ("dob", "house_number"),
    ("dob", "town"),
    ("house_number", "postcode"),
    ("house_number", "street", "town"),
    ("phone",),
    ("email",),
]
# Conditions beyond a rule's equalities, each keeping pairs where a side lacks the value (ADR 37). Real time
# reads only a rule's equalities, a superset of its pairs.
# - (first name, surname) pairs every John Smith in the country; those born ten or more years apart are a
#   father and son the guards refuse anyway.
# - The rules without a name pair everyone born on one day in a town, or living in one house: a pair they
#   alone find at the threshold shares an initial (a name with a slip, or swapped with the surname).
BORN_WITHIN_TEN_YEARS = (
    'coalesce(abs(CAST(substr(l."dob", 1, 4) AS INTEGER) - CAST(substr(r."dob", 1, 4) AS INTEGER)) < 10, TRUE)')
AN_INITIAL_SHARED = (
    'coalesce(left(l."first_name", 1) = left(r."first_name", 1) OR left(l."surname", 1) = left(r."surname", 1) '
    'OR left(l."first_name", 1) = left(r."surname", 1) OR left(l."surname", 1) = left(r."first_name", 1), TRUE)')
RULE_CONDITIONS = {
    ("first_key", "surname"): BORN_WITHIN_TEN_YEARS,
    ("dob", "street"): AN_INITIAL_SHARED,
    ("dob", "house_number"): AN_INITIAL_SHARED,
    ("dob", "town"): AN_INITIAL_SHARED,
    ("house_number", "postcode"): AN_INITIAL_SHARED,
    ("house_number", "street", "town"): AN_INITIAL_SHARED,
}
# First name and surname swapped (a surname written first): an equi-join on the crossed columns.
SWAPPED_RULE = "l.first_name = r.surname AND l.surname = r.first_name"

# Pairs that agree on these are very likely the same person; about this share of true pairs do.
DETERMINISTIC_RULES = [("first_name", "surname", "dob"), ("first_name", "surname", "postcode")]
DETERMINISTIC_RECALL = 0.6

NEUTRAL_PROBABILITY = 1e-6
# The smallest m-probability a level keeps after training (see fill_untrained_levels).
MIN_M = 1e-4

# Past this many records the prior is held at what it is in a file of this size. Estimated from the whole
# file it falls as 1/records (each record has about as many true matches but ever more non-matches), so a
# fixed probability threshold asks ever more evidence of a pair: on the synthetic million-record benchmark
# 0.99 asked about 28 bits and cut a fifth of the true pairs, while 21 bits let family look-alikes through
# (precision 0.91). The best F1 there was at 25-26 bits, which is what 0.99 asks of a 200,000-record file;
# this constant was fitted to that synthetic benchmark (not to FEBRL), and files up to that size are unchanged.
REFERENCE_RECORDS = 200_000

# Expectation maximisation: each session estimates the comparisons its rule leaves free.
EM_RULES = [("first_key", "surname"), ("dob",), ("postcode",)]


def rule_sql(columns):
    equalities = " AND ".join(f'l."{column}" = r."{column}"' for column in columns)
    condition = RULE_CONDITIONS.get(tuple(columns))
    return f"{equalities} AND {condition}" if condition else equalities


def usable_rules(rules, columns_with_data):
    return [rule for rule in rules if all(column in columns_with_data for column in rule)]


def settings_for(columns_with_data):
    """A fresh Splink settings object using only the comparisons and rules whose columns hold data."""
    comparisons = [splink_comparison(spec) for spec in COMPARISONS if has_data(spec, columns_with_data)]
    blocking = [rule_sql(rule) for rule in usable_rules(BLOCKING_RULES, columns_with_data)]
    if {"first_name", "surname"} <= columns_with_data:
        blocking.append(SWAPPED_RULE)
    if not blocking or not comparisons:
        raise ValueError("the file has too few usable columns to link (need names, dates of birth or addresses)")
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def open_linker(con, table_name, settings):
    """A linker over a DuckDB table; settings is a SettingsCreator, a trained model's dictionary or a saved
    model's path."""
    db_api = DuckDBAPI(connection=con)
    frame = db_api.register(table_name)
    if not isinstance(settings, (SettingsCreator, dict)):
        settings = str(settings)
        check_model(settings)
    return Linker(frame, settings, log_level=logging.WARNING)


def check_model(path):
    """Fail clearly when the file is not a saved model of ours (the scorer relies on our comparisons)."""
    try:
        model = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read the model {path}: {error}") from error
    names = {comparison.get("output_column_name") for comparison in model.get("comparisons", [])}
    unknown = names - set(BY_NAME)
    if not names or unknown:
        raise ValueError(f"{path} is not a Safehub person-linking model (unknown comparisons: {sorted(unknown)})")


def train(linker, columns_with_data, seed=42, u_pairs=1e6, em_pairs=2e6, records=None):
    """Estimate the prior, u and m probabilities without labels (records: the file's size, for the prior)."""
    # block_on rather than SQL text: Splink writes it in the engine's own dialect (DuckDB or Spark).
    rules = [block_on(*rule) for rule in usable_rules(DETERMINISTIC_RULES, columns_with_data)]
    if rules:
        linker.training.estimate_probability_two_random_records_match(rules, recall=DETERMINISTIC_RECALL)
        if records and records > REFERENCE_RECORDS:
            settings = linker._settings_obj
            settings._probability_two_random_records_match = min(
                0.5, settings._probability_two_random_records_match * records / REFERENCE_RECORDS)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    trained = 0
    for rule in usable_rules(EM_RULES, columns_with_data):
        saved = copy.deepcopy(linker._settings_obj.core_model_settings)
        prior = linker._settings_obj._probability_two_random_records_match
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*rule), estimate_without_term_frequencies=True, max_pairs=em_pairs)
            trained += 1
        except (ValueError, EMTrainingException) as error:
            # On small files EM can drive an m-probability to exactly 0, which Splink refuses part way
            # through, or a rule can find no pairs at all: put the model back as it was; the other sessions
            # still estimate those comparisons.
            linker._settings_obj.core_model_settings = saved
            linker._settings_obj._probability_two_random_records_match = prior
            logger.warning("EM on %s skipped: %s", rule, str(error).splitlines()[0])
    if not trained:
        raise ValueError("too few records look alike to learn from (no two share a name, a date of birth or a "
                         "postcode often enough)")
    fill_untrained_levels(linker, u_pairs)


def fill_untrained_levels(linker, u_pairs):
    """Give every level an m and u that training supports, and bound what one level can say against a match.

    - Seen by neither estimate: says nothing (m = u, weight 0). Splink would otherwise score it with m = 1e-6
      in memory (a strong penalty, e.g. for a nickname level on a file with no nicknames) and leave it out of
      the saved JSON.
    - Seen among likely matches but never among u_pairs random pairs (an e-mail address or phone number both
      records give): u is at most about 1 / u_pairs, so that is what it is given. Setting u = m instead would
      weigh the strongest evidence there is at zero.
    - Seen among random pairs but never among likely matches (a street typo in a file without one): says
      nothing, rather than the certainty against a match that m = 0 would claim.
    - m is never below MIN_M (nor below u, for a level rarer than that among random pairs): expectation
      maximisation drives the m of a level without true pairs in the file towards 0 (a sex or e-mail
      disagreement at -60 bits), and real records do hold such slips.
    """
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            if not level._m_is_trained:
                u_known = level._u_is_trained
                level.m_probability = level.u_probability = level.u_probability if u_known else NEUTRAL_PROBABILITY
                continue
            if not level._u_is_trained:
                level.u_probability = min(level.m_probability, 1 / u_pairs)
            else:
                level.m_probability = max(level.m_probability, min(MIN_M, level.u_probability))


def save_model(linker, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    linker.misc.save_model_to_json(str(path), overwrite=True)
    return path


def predict(linker, threshold):
    """Scored candidate pairs at or above the probability threshold, as a DuckDB table name."""
    weight = math.log2(threshold / (1 - threshold)) if threshold < 1 else 60.0
    frame = linker.inference.predict(threshold_match_weight=weight, warning_mode="never")
    return frame.physical_name
