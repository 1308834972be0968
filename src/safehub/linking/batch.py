"""Batch work: training the person model on the current data, and re-resolving everything.

`train` writes the current person and child mentions as a link-csv file, fits Splink on it (DuckDB, or Spark with
`--engine spark`), and keeps
the model as a new active ModelVersion (and under VAR_DIR/linking/). `run` links any record not yet linked,
rescores every candidate pair with the active model (keeping every analyst's judgement), regroups the people
pair by pair, recomputes the networks, and reports what changed since the last run.
"""

import csv
import json
import tempfile
from collections import Counter
from pathlib import Path

import duckdb
from django.conf import settings
from django.db import transaction

from safehub.cases.models import Child
from safehub.intake.models import Contact
from safehub.linking import bulk, networks, people
from safehub.linking.models import Entity, Mention, ModelVersion, PersonLink
from safehub.linking.resolve import (PERSON_KINDS, assign_entities, clusters, link_child_record, link_contact,
                                     links_among, record_link)
from safehub.linking.scorer import parse_rule

MIN_TRAINING_RECORDS = 200
CSV_COLUMNS = ["record_id", "first_name", "surname", "date_of_birth", "postcode", "nickname"]


class TrainingError(ValueError):
    pass


def _training_rows():
    for mention in Mention.objects.filter(kind__in=PERSON_KINDS).exclude(first_name="").iterator():
        yield {"record_id": f"m{mention.pk}", "first_name": mention.first_name, "surname": mention.last_name,
               "date_of_birth": mention.date_of_birth.isoformat() if mention.date_of_birth else "",
               "postcode": mention.postcode, "nickname": mention.nickname_key}


def train(seed=42, engine="duckdb", spark_master=None):
    """Fit a model on the current mentions and make it the active one (Splink on DuckDB, or on Spark).
    Returns the ModelVersion."""
    model_dir = Path(settings.VAR_DIR) / "linking"
    model_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", dir=model_dir, delete=False, newline="",
                                     encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, CSV_COLUMNS)
        writer.writeheader()
        count = sum(1 for row in _training_rows() if writer.writerow(row) or True)
    path = Path(handle.name)
    try:
        if count < MIN_TRAINING_RECORDS:
            raise TrainingError(f"only {count} named people to train on (at least {MIN_TRAINING_RECORDS} needed); "
                                f"the active model is unchanged")
        con = duckdb.connect()
        try:
            model_path = bulk.run_linking(con, path, bulk.DEFAULT_THRESHOLD, model_dir=model_dir, seed=seed,
                                          engine=engine, spark_master=spark_master).model_path
        except Exception as error:  # Splink and DuckDB raise many kinds; the message is what the user needs
            raise TrainingError(f"could not fit a model on {count} named people: {error}; "
                                f"the active model is unchanged") from error
        finally:
            con.close()
    finally:
        path.unlink(missing_ok=True)
    model = json.loads(Path(model_path).read_text(encoding="utf-8"))
    with transaction.atomic():
        ModelVersion.objects.update(active=False)
        return ModelVersion.objects.create(version=Path(model_path).stem.removeprefix("model-"), model=model,
                                           trained_on=f"{count} person and child mentions", active=True)


def _summary(found, version):
    return {
        "entities": dict(Counter(Entity.objects.values_list("kind", flat=True))),
        "links": dict(Counter(PersonLink.objects.values_list("band", flat=True))),
        "judged": PersonLink.objects.exclude(judgement="").count(),
        "networks": len(found),
        "flagged": sum(network.flagged for network in found),
        "model_version": version,
    }


def run(progress=lambda done, total, stage: None):
    """Re-resolve everything. Returns (summary, changes since the last run)."""
    unlinked = Contact.objects.filter(mentions__isnull=True).distinct()
    total = unlinked.count()
    for done, contact in enumerate(unlinked.iterator(), 1):
        link_contact(contact, upkeep=False)
        progress(done, total, "linking records not yet linked")
    for child in Child.objects.filter(mentions__isnull=True).distinct().iterator():
        link_child_record(child, upkeep=False)
    version, scorer_ = people.scorer()
    rules = [parse_rule(sql) for sql in scorer_.blocking_rules]
    mentions = list(Mention.objects.filter(kind__in=PERSON_KINDS))
    for done, mention in enumerate(mentions, 1):
        with transaction.atomic():
            for candidate in people.candidates(mention, rules):
                if candidate.pk > mention.pk:
                    continue  # each pair once
                record_link(mention, candidate, people.score_pair(scorer_, version, mention, candidate))
        if done % 100 == 0 or done == len(mentions):
            progress(done, len(mentions), "scoring people")
    changed = 0
    with transaction.atomic():
        for kind in PERSON_KINDS:
            group = [m for m in mentions if m.kind == kind]
            changed += assign_entities(clusters(group, links_among(group)))
    summary = _summary(networks.compute(), version)
    return summary, _changes(summary, changed)


def _changes(summary, changed):
    path = Path(settings.VAR_DIR) / "linking" / "last_run.json"
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    changes = {"mentions_regrouped": changed}
    if previous:
        for key in ("networks", "flagged", "judged"):
            changes[key] = summary[key] - previous.get(key, 0)
    return changes
