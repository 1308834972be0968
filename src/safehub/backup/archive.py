"""`safehub backup` and `safehub restore`: one archive holding the database and the files under var/ that
matter, with a manifest (what, when, from which database, row counts per table, SHA-256 of each part, the
audit chain head).

PostgreSQL: a pg_dump custom-format dump taken in an exported snapshot, so the row counts and the chain head
in the manifest are those of the dump itself. SQLite: a copy made with SQLite's online backup API.

Deliberately not in the archive: the Django secret key (SAFEHUB_SECRET_KEY or var/secret_key), which an
operator keeps apart from the backups (see docs/backup.md). Everything in the database is, including password
hashes, TOTP keys and API token digests: an archive must be stored as carefully as the database.
"""

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404: pg_dump and pg_restore, with argument lists, never a shell
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection
from psycopg import sql

FORMAT = "safehub-backup/1"
MANIFEST = "manifest.json"
PG_PART = "database.pgdump"
SQLITE_PART = "database.sqlite3"
# Folders under VAR_DIR worth keeping: the linking models (versions, last run). Not the database file (its
# own part), not var/static (collected again), not the secret key (kept apart), not benchmarks or backups.
VAR_PARTS = ("linking",)
CHUNK = 1 << 20


class BackupError(Exception):
    """Something the operator must read, said plainly; the command exits 1 with it and writes nothing."""


@dataclass
class Part:
    name: str  # path inside the archive
    path: Path  # where it is on disk while the archive is made or read


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


# --- Database connections outside Django's, for dumps and counts ----------------------------------------


def database_settings():
    return connection.settings_dict


def is_postgresql():
    return connection.vendor == "postgresql"


def pg_conninfo(settings_dict=None):
    settings_dict = settings_dict or database_settings()
    values = {"dbname": settings_dict["NAME"], "user": settings_dict["USER"], "password": settings_dict["PASSWORD"],
              "host": settings_dict["HOST"], "port": settings_dict["PORT"]}
    return {key: str(value) for key, value in values.items() if value}


def pg_environment(conninfo):
    """libpq variables for pg_dump and pg_restore (the password never on a command line)."""
    names = {"dbname": "PGDATABASE", "user": "PGUSER", "password": "PGPASSWORD",  # nosec B105: a variable name
             "host": "PGHOST", "port": "PGPORT"}
    return {**os.environ, **{names[key]: value for key, value in conninfo.items()}}


def pg_tool(name):
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client-15).")
    return found


def tool_major(name):
    output = subprocess.run([pg_tool(name), "--version"], capture_output=True, text=True, check=True).stdout  # nosec B603
    return int(output.split()[-1].split(".")[0].split()[0]), output.strip()


def table_counts_pg(cursor):
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def table_counts_sqlite(db):
    tables = [row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}  # nosec B608


def chain_head_of(cursor):
    """{shard: {position, hash}} of the last event of every audit shard (ADR 22); {} when there is none."""
    cursor.execute("SELECT e.shard, e.position, e.hash FROM audit_auditevent e JOIN (SELECT shard, max(position) AS "
                   "position FROM audit_auditevent GROUP BY shard) last ON last.shard = e.shard AND "
                   "last.position = e.position ORDER BY e.shard")
    return {str(shard): {"position": position, "hash": digest} for shard, position, digest in cursor.fetchall()}


def heads_text(heads):
    """The shards' heads in a line: "0:12:ab12cd34 1:7:ef56..." (shard, position, first hex of the hash)."""
    return " ".join(f"{shard}:{head['position']}:{head['hash'][:8]}" for shard, head in sorted(heads.items())) or "none"


# --- Making an archive ----------------------------------------------------------------------------


def default_archive_path(now):
    return Path(settings.VAR_DIR) / "backups" / f"safehub-{now:%Y%m%dT%H%M%SZ}.tar"


def make_backup(out_path, now=None):
    """Write the archive to out_path (atomically: a finished archive or nothing). Returns the manifest."""
    now = now or dt.datetime.now(dt.timezone.utc)
    out_path = Path(out_path)
    try:
        return _write_archive(out_path, now)
    except OSError as error:
        raise BackupError(f"Cannot write the archive {out_path}: {error.strerror or error}. Nothing was written.") from None


def _write_archive(out_path, now):
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=".backup-") as work:
        work = Path(work)
        if is_postgresql():
            database, part = dump_postgresql(work)
        else:
            database, part = copy_sqlite(work)
        parts = [part, *var_parts()]
        manifest = {
            "format": FORMAT, "made_at": now.isoformat(), "database": database,
            "parts": [{"name": p.name, "bytes": p.path.stat().st_size, "sha256": sha256_of(p.path)} for p in parts],
            "not_included": ["the Django secret key (SAFEHUB_SECRET_KEY or var/secret_key): keep it apart"],
        }
        staging = work / "archive.tar"
        with tarfile.open(staging, "w") as tar:
            payload = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(payload), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(payload))
            for p in parts:
                tar.add(p.path, arcname=p.name, recursive=False)
        os.chmod(staging, 0o600)
        os.replace(staging, out_path)
    return manifest


def dump_postgresql(work):
    """pg_dump in custom format, reading the snapshot in which the rows are counted and the head is read."""
    conninfo = pg_conninfo()
    dump_major, dump_version = tool_major("pg_dump")
    target = work / PG_PART
    with psycopg.connect(**conninfo) as db:
        server_major = db.info.server_version // 10000
        if dump_major < server_major:
            raise BackupError(f"{dump_version} cannot dump a PostgreSQL {server_major} server: install "
                              f"postgresql-client-{server_major}.")
        db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version'), current_schema()")
            snapshot, server_version, schema = cursor.fetchone()
            counts = table_counts_pg(cursor)
            head = chain_head_of(cursor) if "audit_auditevent" in counts else {}
        done = subprocess.run(  # nosec B603
            [pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--no-owner", "--no-privileges",
             f"--file={target}"],
            env=pg_environment(conninfo), capture_output=True, text=True)
        db.rollback()
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    database = {"vendor": "postgresql", "name": conninfo.get("dbname", ""), "host": conninfo.get("host", ""),
                "port": conninfo.get("port", ""), "server_version": server_version, "schema": schema,
                "dump_tool": dump_version, "row_counts": counts, "audit_chain_head": head}
    return database, Part(PG_PART, target)


def copy_sqlite(work):
    """A consistent copy through SQLite's online backup API (pages copied under SQLite's own locking)."""
    target = work / SQLITE_PART
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        counts = table_counts_sqlite(copy)
        head = chain_head_of(copy.cursor()) if "audit_auditevent" in counts else {}
    finally:
        copy.close()
    database = {"vendor": "sqlite", "name": str(database_settings()["NAME"]), "server_version": sqlite3.sqlite_version,
                "row_counts": counts, "audit_chain_head": head}
    return database, Part(SQLITE_PART, target)


def var_parts():
    root = Path(settings.VAR_DIR)
    found = []
    for folder in VAR_PARTS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and not path.is_symlink():
                found.append(Part(f"var/{path.relative_to(root).as_posix()}", path))
    return found
