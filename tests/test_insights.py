"""Published figures never identify anyone: small counts hidden, and no hidden count recoverable."""

import uuid

import pytest
from hypothesis import given, strategies as st

from safehub.insights.disclosure import HIDDEN, suppress_row


def test_small_counts_are_hidden_and_a_lone_hidden_cell_takes_a_partner():
    shown, total = suppress_row({"a": 3, "b": 10, "c": 20})
    assert shown == {"a": HIDDEN, "b": HIDDEN, "c": "20"} and total == "33"


def test_small_total_hides_everything():
    shown, total = suppress_row({"a": 1, "b": 2})
    assert total == HIDDEN and set(shown.values()) == {HIDDEN}


@given(st.dictionaries(st.sampled_from("abcdef"), st.integers(min_value=0, max_value=60), min_size=1))
def test_no_hidden_count_can_be_worked_out_from_the_total(counts):
    shown, total = suppress_row(counts)
    for label, text in shown.items():
        if text not in (HIDDEN, "0"):
            assert int(text.replace(",", "")) >= 5
    hidden = [label for label, text in shown.items() if text == HIDDEN]
    assert total == HIDDEN or len(hidden) != 1


@pytest.mark.django_db
def test_figures_page_for_scrutiny_shows_suppressed_counts_and_no_references(client_for, users):
    from safehub.intake.actions import submit_contact

    contacts = [submit_contact({"kind": "public", "concern": "x"}, submission_key=uuid.uuid4().hex)[0] for _ in range(7)]
    submit_contact({"kind": "non_recent", "concern": "y"}, submission_key=uuid.uuid4().hex)
    page = client_for("scrutiny").get("/figures/").content.decode()
    assert "&lt;5" in page and "numeric\">8</td>" in page
    assert not any(contact.reference in page for contact in contacts)
    assert client_for("screener").get("/figures/").status_code == 403
