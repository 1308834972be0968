"""The in-process scorer gives the same match weights as Splink's own predict, from the saved model."""

import math

import duckdb
import pytest
from splink.internals.constants import LEVEL_NOT_OBSERVED_TEXT

from safehub.linking import bulk, splink_model
from safehub.linking.scorer import CandidateIndex, Scorer, parse_rule


def _open_saved_model(con, linked_people):
    """The synthetic file prepared in DuckDB, and a linker with the model `link csv` saved for it."""
    path = linked_people["folder"] / "people.csv"
    names = bulk.check_csv(path)
    bulk.load_raw(con, path, names)
    bulk.prepare(con, names)
    return splink_model.open_linker(con, "prepared", linked_people["model"])


@pytest.fixture(scope="module")
def splink_scored(linked_people):
    """Every pair of the synthetic file scored by Splink with the saved model: (records, [(l, r, weight)])."""
    con = duckdb.connect()
    linker = _open_saved_model(con, linked_people)
    frame = con.execute("SELECT 1").fetchall() and linker._input_tables_dict
    predictions = linker.inference.predict_within(
        list(frame.values()), blocking_rules_to_generate_predictions=["1=1"], warning_mode="never")
    rows = con.execute(f"SELECT unique_id_l, unique_id_r, match_weight FROM {predictions.physical_name}").fetchall()
    records = bulk.prepared_rows(con)
    con.close()
    return records, rows


def test_scorer_weights_equal_splink_predict_for_every_pair(linked_people, splink_scored):
    records, rows = splink_scored
    assert len(rows) > 50_000  # all pairs of ~360 records, every level of every comparison exercised
    scorer = Scorer(linked_people["model"])
    worst = max(abs(scorer.weight(records[left], records[right]) - weight) for left, right, weight in rows)
    assert worst < 1e-6


def test_prepare_record_matches_the_batch_preparation(linked_people, splink_scored):
    records, _ = splink_scored
    for unique_id, raw in enumerate(linked_people["records"]):
        assert bulk.prepare_record(raw) == records[unique_id]


def test_candidate_index_finds_a_planted_duplicate_and_explains_it(linked_people):
    scorer = Scorer(linked_people["model"])
    index = CandidateIndex(scorer)
    records = [bulk.prepare_record(raw) for raw in linked_people["records"]]
    for raw, record in zip(linked_people["records"], records):
        index.add(raw["record_id"], record)
    person = next(person for kind, person in linked_people["planted"] if kind == "variant")
    mentions = [raw for raw in linked_people["records"] if raw["person"] == person]
    new = bulk.prepare_record(mentions[0])
    matches = index.match(new)
    best = [record_id for _, record_id in matches if record_id != mentions[0]["record_id"]][0]
    assert best == mentions[1]["record_id"]
    evidence = dict((name, label) for name, label, _ in scorer.explain(new, index.records[best]))
    assert evidence["first_name"] in {"same name group", "exact"}


def test_blocking_rules_are_read_as_column_equalities():
    assert parse_rule('l."first_key" = r."first_key" AND l."dob" = r."dob"') == [("first_key", "first_key"),
                                                                             ("dob", "dob")]
    assert parse_rule("l.first_name = r.surname AND l.surname = r.first_name") == [("first_name", "surname"),
                                                                                  ("surname", "first_name")]


def test_real_time_finds_a_rules_candidates_by_its_equalities_alone():
    # The batch's (first name, surname) rule leaves out pairs born ten or more years apart; the real-time
    # matcher looks candidates up by the equalities, a superset, and the guards then hold a father and son apart.
    rule = splink_model.rule_sql(("first_key", "surname"))
    assert "dob" in rule
    assert parse_rule(rule) == [("first_key", "first_key"), ("surname", "surname")]


def _evidence(scorer, raw_left, raw_right):
    left, right = bulk.prepare_record(raw_left), bulk.prepare_record(raw_right)
    return {name: (label, weight) for name, label, weight in scorer.explain(left, right)}


def _mentions_of(linked_people, kind):
    person = next(person for planted_kind, person in linked_people["planted"] if planted_kind == kind)
    return [raw for raw in linked_people["records"] if raw["person"] == person]


def _level(linker, comparison, label):
    for level in next(c for c in linker._settings_obj.comparisons if c.output_column_name == comparison).comparison_levels:
        if level.label_for_charts == label:
            return level
    raise LookupError(label)


def test_a_level_random_pairs_never_reach_weighs_strongly_and_no_slip_costs_sixty_bits(linked_people):
    """A million records: random sampling never finds two sharing an e-mail address, and expectation
    maximisation never sees a sex recorded wrongly among likely matches."""
    con = duckdb.connect()
    linker = _open_saved_model(con, linked_people)
    email, sex = _level(linker, "email", "exact"), _level(linker, "sex", "all other")
    email.m_probability, email.u_probability = 0.9, LEVEL_NOT_OBSERVED_TEXT
    sex.m_probability, sex.u_probability = 1e-18, 0.5
    splink_model.fill_untrained_levels(linker, u_pairs=1e6)
    assert email.u_probability == pytest.approx(1e-6)
    assert email._match_weight == pytest.approx(math.log2(0.9e6))
    assert sex._match_weight == pytest.approx(math.log2(splink_model.MIN_M / 0.5))
    con.close()


def test_a_move_is_one_disagreement_not_three(linked_people):
    """Street, town and postcode change together when a family moves: one comparison weighs them."""
    scorer = Scorer(linked_people["model"])
    first = linked_people["records"][0]
    moved = dict(first, house_number="3", street="Yarrow Crescent", town="Farhaven", postcode="ZQ1 1ZZ")
    evidence = _evidence(scorer, first, moved)
    assert not {"town", "postcode"} & set(evidence)
    assert evidence["address"][0] == "all other" and evidence["address"][1] < 0
    assert _evidence(scorer, first, first)["address"][0] == "same address and postcode"


def test_a_surname_written_first_is_weighed_once(linked_people):
    scorer = Scorer(linked_people["model"])
    first, swapped = _mentions_of(linked_people, "names swapped with a slip")
    evidence = _evidence(scorer, first, swapped)
    assert evidence["first_name"][0] == "swapped with surname, with a slip" and evidence["first_name"][1] > 5
    assert evidence["surname"] == ("swapped with first name", 0.0)
