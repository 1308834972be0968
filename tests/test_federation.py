"""Asking other areas (ADR 30): this partnership asks a real second Safehub, in its own process with its own SQLite
file (tests/federation_partner.py), over loopback HTTP. The partner holds Darren Kettleby, born 14 March 1988,
with phone 07700 900461 and car KT19 XRD, and Wayne Marsh, born 3 November 1979."""

import datetime as dt
import json
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import requests
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from safehub.audit.models import AuditEvent
from safehub.federation import encodings
from safehub.federation.asking import QUERY_PATH
from safehub.federation.models import Encoding
from safehub.federation.publish import refresh_encodings
from safehub.intelligence.actions.people import create_person, update_person
from tests.conftest import sign_in_client

ROOT = Path(__file__).resolve().parent.parent
KEY = "test-federation-key"
CONTACT = {"name": "Duty analyst Priya Okafor", "phone": "01632 960111", "email": "duty.analyst@northmoor.example.invalid"}
BORN = dt.date(1988, 3, 14)
REQUIRED = {"ethnicity": "not_known", "nationality_answer": "not_known", "disability": "not_known"}


def bind_free(sock, first=20300, last=20400):
    """Bind the socket to the first port of this project's range that nobody holds; returns the port."""
    for port in range(first, last):
        try:
            sock.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise RuntimeError(f"no free port in {first}-{last - 1}")


def free_port():
    with socket.socket() as probe:
        return bind_free(probe)


@pytest.fixture(scope="module")
def partner(tmp_path_factory):
    """Northmoor's Safehub: answers Wrekinshire, refuses Eastvale."""
    folder = tmp_path_factory.mktemp("northmoor")
    config = {"area": "northmoor", "key_id": "k1", "keys": {"k1": KEY}, "contact": CONTACT,
              "partners": {"wrekin": {"name": "Wrekinshire", "url": "http://127.0.0.1:9", "secret": "wrekin-secret"},
                           "eastvale": {"name": "Eastvale", "url": "http://127.0.0.1:9", "secret": "eastvale-secret",
                                        "answer": False}}}
    (folder / "federation.json").write_text(json.dumps(config))
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "SAFEHUB_VAR_DIR": str(folder),
           "SAFEHUB_DATABASE_URL": f"sqlite:///{folder / 'northmoor.sqlite3'}",
           "SAFEHUB_FEDERATION_FILE": str(folder / "federation.json")}
    server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "federation_partner.py"), str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert line.strip() == "ready", server.stderr.read()
        yield {"url": f"http://127.0.0.1:{port}", "db": folder / "northmoor.sqlite3"}
    finally:
        server.terminate()
        server.wait(timeout=10)


def partner_audit(partner):
    with sqlite3.connect(partner["db"]) as db:
        return db.execute("SELECT action, object_id, reason FROM audit_auditevent ORDER BY position").fetchall()


def asking(partner, *, area="wrekin", secret="wrekin-secret", key_id="k1", extra=None):
    """This partnership's federation settings: Northmoor as its partner (and any `extra` partners)."""
    partners = {"northmoor": {"name": "Northmoor", "url": partner["url"], "secret": secret}, **(extra or {})}
    return override_settings(SAFEHUB_FEDERATION={"area": area, "key_id": key_id, "keys": {key_id: KEY},
                                                 "contact": {"name": "Wrekinshire duty analyst"}, "timeout": 1.0,
                                                 "partners": partners})


def person(users, first, last, born=None, details=()):
    return create_person(users["analyst"], first_name=first, last_name=last, date_of_birth=born, details=details,
                         **REQUIRED)


def ask(users, someone, role="analyst"):
    client = sign_in_client(users[role])
    response = client.post(f"/people/{someone.pk}/ask-other-areas/")
    page = client.get(f"/people/{someone.pk}/").content.decode() if response.status_code == 302 else ""
    return response, page


def answers_row(page):
    table = page.split('id="other-areas-answers"', 1)[1].split("</table>", 1)[0]
    return table.split("<tbody", 1)[1]


@pytest.mark.django_db
def test_a_phone_written_another_way_matches_and_names_whom_to_call(users, partner):
    someone = person(users, "Lee", "Brandon", dt.date(1990, 5, 1), [("phone", "+44 7700 900461")])
    before = len(partner_audit(partner))
    with asking(partner):
        response, page = ask(users, someone)
    assert response.status_code == 302
    row = answers_row(page)
    assert "Northmoor" in row and "Match" in row and "phone" in row and "100%" in row
    assert CONTACT["name"] in row and CONTACT["phone"] in row and CONTACT["email"] in row
    # the phone, and a CLK of the name with the date as written and with day and month swapped (1 May, 5 January)
    asked = AuditEvent.objects.get(action="federation_asked", object_id=str(someone.pk))
    assert asked.actor_name == "analyst" and "3 encodings" in asked.reason and "1 partners" in asked.reason
    answer = AuditEvent.objects.get(action="federation_answer", object_id="northmoor")
    assert someone.reference in answer.reason and "Match 1.0 (phone)" in answer.reason
    action, partner_code, reason = partner_audit(partner)[before]
    assert (action, partner_code) == ("federation_query_answered", "wrekin")
    assert "3 encodings" in reason and "match 1.0 (phone)" in reason and "asked by" in reason


@pytest.mark.django_db
def test_a_misspelt_name_with_the_same_birthday_matches_the_person(users, partner):
    someone = person(users, "Daren", "Ketleby", dt.date(1988, 3, 14))
    with asking(partner):
        _, page = ask(users, someone)
    row = answers_row(page)
    assert "Match" in row and "person" in row and CONTACT["name"] in row
    strength = int(row.split("%")[0].rsplit(">", 1)[1])
    assert 85 <= strength < 100  # fuzzy, not exact


@pytest.mark.django_db
def test_a_date_of_birth_with_day_and_month_swapped_matches_and_another_date_does_not(users, partner):
    # 11 March 1979 for 3 November 1979: as written, the date keeps too few of its bits to match
    key = KEY.encode()
    written = encodings.ClkEncoder(key).encode("wayne", "marsh", "19790311")
    assert encodings.dice(written, encodings.ClkEncoder(key).encode("wayne", "marsh", "19791103")) < 0.85
    swapped = person(users, "Wayne", "Marsh", dt.date(1979, 3, 11))
    other = person(users, "Wayne", "Marsh", dt.date(1979, 5, 8))
    with asking(partner):
        _, swapped_page = ask(users, swapped)
        _, other_page = ask(users, other)
    row = answers_row(swapped_page)
    assert "Match" in row and "person" in row and "100%" in row and CONTACT["name"] in row
    row = answers_row(other_page)
    assert "No match" in row and CONTACT["name"] not in row


@pytest.mark.django_db
def test_someone_else_gets_no_match_and_no_contact(users, partner):
    someone = person(users, "Graham", "Outhwaite", dt.date(1970, 1, 2), [("phone", "07700 900999"),
                                                                         ("vehicle", "KT19 XRE")])
    before = len(partner_audit(partner))
    with asking(partner):
        _, page = ask(users, someone)
    row = answers_row(page)
    assert "No match" in row and CONTACT["name"] not in row
    assert "no match" in partner_audit(partner)[before][2]
    assert "No match" in AuditEvent.objects.get(action="federation_answer").reason


@pytest.mark.django_db
def test_a_partner_that_refuses_us_says_so_and_audits_the_refusal(users, partner):
    someone = person(users, "Darren", "Kettleby", BORN)
    before = len(partner_audit(partner))
    with asking(partner, area="eastvale", secret="eastvale-secret"):
        _, page = ask(users, someone)
    row = answers_row(page)
    assert "Refused to answer" in row and CONTACT["name"] not in row
    action, code, reason = partner_audit(partner)[before]
    assert (action, code) == ("federation_query_refused", "eastvale") and "does not answer" in reason
    assert "Refused" in AuditEvent.objects.get(action="federation_answer").reason


@pytest.mark.django_db
def test_a_bad_signature_is_refused_and_audited_by_the_partner(users, partner):
    someone = person(users, "Darren", "Kettleby", BORN)
    before = len(partner_audit(partner))
    with asking(partner, secret="not-the-shared-secret"):
        _, page = ask(users, someone)
    assert "Did not accept our signature" in answers_row(page)
    assert partner_audit(partner)[before] == ("federation_query_rejected", "wrekin", "bad or stale signature")


@pytest.mark.django_db
def test_a_partner_that_does_not_answer_is_shown_as_such_and_the_others_still_answer(users, partner):
    someone = person(users, "Lee", "Brandon", details=[("phone", "07700 900461")])
    with socket.socket() as silent:  # listens, never accepts: the connection is made, no answer ever comes
        bind_free(silent)
        silent.listen(5)
        dead = socket.socket()  # and one bound but not listening: nothing answers there at all
        dead_port = bind_free(dead)
        extra = {"silent": {"name": "Silent Vale", "url": f"http://127.0.0.1:{silent.getsockname()[1]}", "secret": "x"},
                 "down": {"name": "Downfield", "url": f"http://127.0.0.1:{dead_port}", "secret": "y"}}
        started = time.monotonic()
        with asking(partner, extra=extra):
            response, page = ask(users, someone)
        took = time.monotonic() - started
        dead.close()
    row = answers_row(page)
    assert row.count("No answer") == 2 and "Match" in row and CONTACT["name"] in row
    assert took < 10  # each partner waited for at most its timeout, all at once (not one after another)
    reasons = dict(AuditEvent.objects.filter(action="federation_answer").values_list("object_id", "reason"))
    assert "No answer" in reasons["silent"] and "No answer" in reasons["down"] and "Match" in reasons["northmoor"]


class Impostor(BaseHTTPRequestHandler):
    """Claims a match with a contact of its own, without the partner's signature."""

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"match": True, "strength": 1.0, "matched": ["phone"],
                           "contact": {"name": "Someone fishing"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.django_db
def test_an_answer_without_the_partners_signature_is_not_believed(users, partner):
    someone = person(users, "Lee", "Brandon", details=[("phone", "07700 900461")])
    impostor = HTTPServer(("127.0.0.1", free_port()), Impostor)
    thread = threading.Thread(target=impostor.serve_forever, daemon=True)
    thread.start()
    try:
        extra = {"eastvale": {"name": "Eastvale", "url": f"http://127.0.0.1:{impostor.server_port}", "secret": "e"}}
        with asking(partner, extra=extra):
            _, page = ask(users, someone)
    finally:
        impostor.shutdown()
    row = answers_row(page)
    assert "Answer not signed by the partner" in row and "Someone fishing" not in row
    assert "not signed" in AuditEvent.objects.get(action="federation_answer", object_id="eastvale").reason


@pytest.mark.django_db
def test_a_query_under_an_old_key_is_refused_and_said_to_use_another_key(users, partner):
    someone = person(users, "Lee", "Brandon", details=[("phone", "07700 900461")])
    with asking(partner, key_id="k0"):
        _, page = ask(users, someone)
    assert "Uses another key" in answers_row(page)
    assert "under key k0, ours is k1" in partner_audit(partner)[-1][2]


def signed_query(body, secret="wrekin-secret"):
    return encodings.signed_headers(secret, "wrekin", str(int(time.time())), body)


def test_the_answer_holds_nothing_of_the_record(partner):
    key = KEY.encode()
    query = {"from": "wrekin", "key_id": "k1", "asked_by": "A tester",
             "selectors": [{"kind": "phone", "digest": encodings.selector_digest(key, "phone", "+447700900461")}],
             "people": [encodings.clk_to_text(encodings.ClkEncoder(key).encode("darren", "kettleby", "19880314"))]}
    body = encodings.dumps(query)
    response = requests.post(partner["url"] + QUERY_PATH, data=body, headers=signed_query(body), timeout=5)
    answer = response.json()
    assert set(answer) == {"match", "strength", "matched", "contact"}
    assert answer["match"] is True and answer["matched"] == ["person", "phone"] and answer["contact"] == CONTACT
    for part in ("Darren", "Kettleby", "Dags", "900461", "KT19", "POC-", "1988"):
        assert part not in response.text
    # a changed body under the old signature is refused
    tampered = body.replace(b"A tester", b"B tester")
    assert requests.post(partner["url"] + QUERY_PATH, data=tampered, headers=signed_query(body), timeout=5).status_code == 401
    # and a malformed query says what is wrong
    bad = encodings.dumps({**query, "selectors": [{"kind": "shoe", "digest": "00"}]})
    refused = requests.post(partner["url"] + QUERY_PATH, data=bad, headers=signed_query(bad), timeout=5)
    assert refused.status_code == 400 and "phone, vehicle or handle" in refused.json()["error"]


@pytest.mark.django_db
def test_only_those_who_may_open_the_person_may_ask_and_nothing_is_sent_otherwise(users, agencies, partner):
    from safehub.accounts.actions import create_user

    someone = person(users, "Lee", "Brandon", details=[("phone", "07700 900461")])
    outsider, _ = create_user(username="other-analyst", password="o" * 12, role="analyst",
                              agency=next(a for a in agencies.values() if a != users["analyst"].agency))
    before = len(partner_audit(partner))
    with asking(partner):
        for user in (users["screener"], users["scrutiny"], outsider):
            response = sign_in_client(user).post(f"/people/{someone.pk}/ask-other-areas/")
            assert response.status_code in (403, 404)
    assert len(partner_audit(partner)) == before
    assert not AuditEvent.objects.filter(action="federation_asked").exists()


@pytest.mark.django_db
def test_without_partners_the_page_offers_nothing_and_asking_says_why(users):
    someone = person(users, "Lee", "Brandon")
    client = sign_in_client(users["analyst"])
    assert "Ask other areas" not in client.get(f"/people/{someone.pk}/").content.decode()
    with override_settings(SAFEHUB_FEDERATION={"area": "wrekin", "partners": {"x": {"url": "http://127.0.0.1:9"}}}):
        response = client.post(f"/people/{someone.pk}/ask-other-areas/")
    assert response.status_code == 400
    assert "no key or partners are set" in response.content.decode()


# --- Encodings -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_name_without_a_date_of_birth_is_not_asked_about_nor_published(users, partner):
    """Names alone match too many men: only the phone goes, and the partner's Darren Kettleby is not matched."""
    someone = person(users, "Darren", "Kettleby", details=[("phone", "07700 900999")])
    before = len(partner_audit(partner))
    with asking(partner):
        _, page = ask(users, someone)
    assert "No match" in answers_row(page)
    assert "1 encodings" in partner_audit(partner)[before][2]
    with override_settings(SAFEHUB_FEDERATION={"key_id": "k1", "keys": {"k1": "one"}}):
        assert refresh_encodings() == 1
    assert list(Encoding.objects.values_list("kind", flat=True)) == ["phone"]
    nameless = person(users, "Sam", "Undated")
    with asking(partner):
        response = sign_in_client(users["analyst"]).post(f"/people/{nameless.pk}/ask-other-areas/")
    assert response.status_code == 400 and "add their date of birth" in response.content.decode()


@pytest.mark.django_db
def test_encodings_are_remade_under_a_rotated_key_and_the_old_ones_go(users):
    person(users, "Lee", "Brandon", BORN, details=[("phone", "07700 900461"), ("handle", "@lee.b")])
    with override_settings(SAFEHUB_FEDERATION={"key_id": "k1", "keys": {"k1": "one"}}):
        assert refresh_encodings() == 3
    first = set(Encoding.objects.values_list("kind", "value"))
    with override_settings(SAFEHUB_FEDERATION={"key_id": "k2", "keys": {"k1": "one", "k2": "two"}}):
        assert refresh_encodings() == 3
    assert set(Encoding.objects.values_list("key_id", flat=True)) == {"k2"}
    assert not first & set(Encoding.objects.values_list("kind", "value"))
    with override_settings(SAFEHUB_FEDERATION={}):
        assert refresh_encodings() is None


def test_bigrams_are_clkhash_default_tokens():
    # clkhash's documented tokeniser: the value padded with one space each side, cut into overlapping bigrams
    assert encodings.bigrams("hello") == [" h", "he", "el", "ll", "lo", "o "]
    assert encodings.bigrams("") == []


def test_dice_scores_misspellings_high_and_other_people_low():
    encoder = encodings.ClkEncoder(b"k")
    darren = encoder.encode("darren", "kettleby", "19880314")
    assert encodings.dice(darren, encoder.encode("darren", "kettleby", "19880314")) == 1.0
    assert encodings.dice(darren, encoder.encode("daren", "ketleby", "19880314")) > 0.85
    assert encodings.dice(darren, encoder.encode("darren", "kettleby", "19880341")) > 0.8
    assert encodings.dice(darren, encoder.encode("graham", "outhwaite", "19700102")) < 0.5
    assert encodings.dice(darren, encodings.ClkEncoder(b"other").encode("darren", "kettleby", "19880314")) < 0.5
    assert encodings.clk_from_text(encodings.clk_to_text(darren)) == darren
    with pytest.raises(ValueError):
        encodings.clk_from_text("AAAA")


@pytest.mark.django_db
def test_a_changed_date_of_birth_is_answered_from_once_re_encoded(users, client):
    """This partnership answering (in this process): its index of people follows its published encodings."""
    config = {"area": "northmoor", "key_id": "k1", "keys": {"k1": KEY}, "contact": CONTACT,
              "partners": {"wrekin": {"name": "Wrekinshire", "url": "http://127.0.0.1:9", "secret": "wrekin-secret"}}}
    someone = person(users, "Lee", "Brandon", dt.date(1990, 5, 13))

    def asked(born):
        clk = encodings.ClkEncoder(KEY.encode()).encode("lee", "brandon", born)
        body = encodings.dumps({"from": "wrekin", "key_id": "k1", "asked_by": "A tester", "selectors": [],
                                "people": [encodings.clk_to_text(clk)]})
        headers = {name: value for name, value in signed_query(body).items() if name != "Content-Type"}
        return client.post(QUERY_PATH, data=body, content_type="application/json", headers=headers).json()

    with override_settings(SAFEHUB_FEDERATION=config):
        refresh_encodings()
        assert asked("19900513")["match"] is True
        update_person(users["analyst"], someone, date_of_birth=dt.date(1984, 9, 27))
        refresh_encodings()
        assert asked("19900513") == {"match": False}
        assert asked("19840927")["match"] is True


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(min_size=128, max_size=128), max_size=40), st.binary(min_size=128, max_size=128))
def test_the_answering_index_scores_every_person_as_the_dice_coefficient_does(held, asked):
    texts = [encodings.clk_to_text(int.from_bytes(raw, "big")) for raw in held]
    query = encodings.clk_to_text(int.from_bytes(asked, "big"))
    expected = max((encodings.dice(encodings.clk_from_text(query), encodings.clk_from_text(text)) for text in texts),
                   default=0.0)
    assert encodings.ClkIndex(texts).best(query) == pytest.approx(expected, abs=1e-12)


def test_date_variants_swap_day_and_month_only_where_that_is_a_date():
    assert encodings.date_variants("19791103") == ["19791103", "19790311"]
    assert encodings.date_variants("19880314") == ["19880314"]  # no 14th month
    assert encodings.date_variants("19880303") == ["19880303"]  # the same date
    assert encodings.date_variants("") == [""]
