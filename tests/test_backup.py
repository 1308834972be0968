"""`safehub backup` and `safehub restore`: a demo-sized partnership backed up, restored by the real command
into a fresh database (a new PostgreSQL database on the same server, or a new SQLite file), with the same rows
and an audit chain that verifies; an altered archive and a database that is not empty are refused."""

import io
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from psycopg import sql

from safehub.backup.archive import pg_conninfo, table_counts_pg, table_counts_sqlite
from safehub.intake.models import Contact

SRC = Path(__file__).resolve().parent.parent / "src"
pytestmark = pytest.mark.django_db(transaction=True)


def safehub(*args, database_url, var_dir):
    """The real `safehub` command in a fresh process, configured for another database and var/ folder."""
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "SAFEHUB_DATABASE_URL": database_url, "SAFEHUB_VAR_DIR": str(var_dir)}
    return subprocess.run([sys.executable, "-m", "safehub.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)


class FreshDatabases:
    """New, empty databases beside the test database, dropped afterwards."""

    def __init__(self, tmp_path):
        self.tmp_path, self.made = tmp_path, []

    def new(self, suffix):
        if connection.vendor != "postgresql":
            return f"sqlite:///{self.tmp_path / f'{suffix}.sqlite3'}"
        info = pg_conninfo()
        name = f"{info['dbname']}_{suffix}"
        with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as db:
            db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.made.append(name)
        password = f":{quote(info['password'])}" if info.get("password") else ""
        return f"postgres://{quote(info['user'])}{password}@{info['host']}:{info.get('port', 5432)}/{name}"

    def counts(self, url):
        if url.startswith("sqlite:///"):
            with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
                return table_counts_sqlite(db)
        with psycopg.connect(url) as db, db.cursor() as cursor:
            return table_counts_pg(cursor)

    def drop_all(self):
        if not self.made:
            return
        with psycopg.connect(**{**pg_conninfo(), "dbname": "postgres"}, autocommit=True) as db:
            for name in self.made:
                db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def fresh(tmp_path):
    databases = FreshDatabases(tmp_path)
    yield databases
    databases.drop_all()


def back_up(settings, tmp_path, reports):
    """The demo partnership (with `reports` reports and their case work, operation and support side), a linking
    model under var/, and a backup of it all."""
    settings.VAR_DIR = tmp_path / "var"
    call_command("demo", reports=reports, stdout=open(os.devnull, "w"))
    model = settings.VAR_DIR / "linking" / "model-20261130.json"
    model.parent.mkdir(parents=True)
    model.write_text('{"link_type": "dedupe_only", "comparisons": []}')
    archive = tmp_path / "backup.tar"
    call_command("backup", out=str(archive), stdout=open(os.devnull, "w"))
    return archive, model


@pytest.fixture
def backed_up(settings, tmp_path):
    return back_up(settings, tmp_path, reports=50)


@pytest.fixture
def small_backup(settings, tmp_path):
    return back_up(settings, tmp_path, reports=0)


def live_counts(fresh):
    if connection.vendor == "postgresql":
        with psycopg.connect(**pg_conninfo()) as db, db.cursor() as cursor:
            return table_counts_pg(cursor)
    connection.ensure_connection()
    return table_counts_sqlite(connection.connection)


def test_a_backup_restores_into_a_fresh_database_with_the_same_rows_and_a_verifying_chain(backed_up, fresh,
                                                                                           tmp_path):
    archive, model = backed_up
    before = live_counts(fresh)
    assert Contact.objects.count() >= 50
    target, var_dir = fresh.new("restored"), tmp_path / "restored-var"

    restored = safehub("restore", str(archive), database_url=target, var_dir=var_dir)
    assert restored.returncode == 0, restored.stderr
    assert "Audit chain: OK" in restored.stdout

    after = fresh.counts(target)
    # Each side wrote one event since the snapshot: "backup written" here, "backup restored" there.
    assert after == before
    assert after["intake_contact"] == Contact.objects.count()
    assert (var_dir / "linking" / model.name).read_bytes() == model.read_bytes()
    verified = safehub("audit", "verify", database_url=target, var_dir=var_dir)
    assert verified.returncode == 0 and verified.stdout.startswith("OK"), verified.stdout + verified.stderr

    again = safehub("restore", str(archive), database_url=target, var_dir=var_dir)
    assert again.returncode == 1
    assert "is not empty" in again.stderr and "--force" in again.stderr
    assert fresh.counts(target) == after


def test_an_altered_archive_is_refused_and_nothing_is_restored(small_backup, fresh, tmp_path):
    archive, _ = small_backup
    altered = tmp_path / "altered.tar"
    with tarfile.open(archive) as original, tarfile.open(altered, "w") as out:
        for member in original.getmembers():
            data = original.extractfile(member).read()
            if member.name.startswith("database."):
                middle = len(data) // 2
                data = data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1:]
            out.addfile(member, io.BytesIO(data))
    target = fresh.new("altered")

    refused = safehub("restore", str(altered), database_url=target, var_dir=tmp_path / "altered-var")

    assert refused.returncode == 1
    assert "does not match its checksum" in refused.stderr and "Nothing was restored" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert fresh.counts(target) == {}
    assert not (tmp_path / "altered-var" / "linking").exists()


@pytest.mark.django_db
def test_the_manifest_names_the_head_of_every_audit_shard():
    from safehub.audit.trail import record, use_shard
    from safehub.backup.archive import chain_head_of

    with use_shard(0):
        first = record("backup_written", object_type="backup", object_id="a")
    with use_shard(1):
        record("backup_written", object_type="backup", object_id="b")
        second = record("backup_written", object_type="backup", object_id="c")
    with connection.cursor() as cursor:
        heads = chain_head_of(cursor)
    assert heads["0"] == {"position": first.position, "hash": first.hash}
    assert heads["1"] == {"position": 2, "hash": second.hash}
