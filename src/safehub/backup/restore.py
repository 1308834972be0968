"""`safehub restore`: check an archive's parts against its manifest, restore the database into the configured
one (fresh and empty unless told otherwise) and the var/ files, then compare the row counts with the manifest
and verify the restored audit chain."""

import json
import sqlite3
import subprocess  # nosec B404: pg_restore with an argument list, never a shell
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

import psycopg
from django.conf import settings
from django.db import connection
from psycopg import sql

from safehub.backup.archive import (
    FORMAT, MANIFEST, PG_PART, SQLITE_PART, BackupError, chain_head_of, is_postgresql, pg_conninfo, pg_environment,
    pg_tool, sha256_of, table_counts_pg, table_counts_sqlite,
)


def read_manifest(tar):
    try:
        member = tar.getmember(MANIFEST)
        manifest = json.load(tar.extractfile(member))
    except (KeyError, ValueError):
        raise BackupError("This is not a Safehub backup: it has no readable manifest.json.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r} (expected {FORMAT}).")
    return manifest


def safe_name(name):
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"The archive names a part outside itself: {name!r}.")
    return path


def unpack_checked(archive, work):
    """Extract every part the manifest lists into `work`, checking size and SHA-256; refuse the archive if a
    part is missing, altered or not in the manifest. Returns the manifest."""
    try:
        tar = tarfile.open(archive, "r")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"Cannot read {archive}: {error}.") from None
    with tar:
        manifest = read_manifest(tar)
        listed = {part["name"]: part for part in manifest["parts"]}
        present = {member.name for member in tar.getmembers()} - {MANIFEST}
        if present - set(listed):
            raise BackupError(f"The archive holds parts its manifest does not list: {sorted(present - set(listed))}.")
        for name, part in listed.items():
            member = tar.getmember(name) if name in present else None
            if member is None or not member.isfile():
                raise BackupError(f"The archive is missing {name}, listed in its manifest.")
            target = work / safe_name(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as source, open(target, "wb") as out:
                while block := source.read(1 << 20):
                    out.write(block)
            if sha256_of(target) != part["sha256"] or target.stat().st_size != part["bytes"]:
                raise BackupError(f"{name} does not match its checksum in the manifest: the archive was altered "
                                  "or damaged. Nothing was restored.")
    return manifest


def restore(archive, *, force=False):
    """Restore the archive into the configured database and VAR_DIR. Returns a report (dict)."""
    with tempfile.TemporaryDirectory(prefix="safehub-restore-") as work:
        work = Path(work)
        manifest = unpack_checked(archive, work)
        source = manifest["database"]
        here = "postgresql" if is_postgresql() else "sqlite"
        if source["vendor"] != here:
            raise BackupError(f"This archive holds a {source['vendor']} database; the configured one is {here}.")
        check_var_files(work, manifest, force)
        if here == "postgresql":
            restore_postgresql(work / PG_PART, force)
        else:
            restore_sqlite(work / SQLITE_PART, force)
        restored_files = restore_var_files(work, manifest)
    connection.close()
    return check_restored(manifest, restored_files)


# --- PostgreSQL -------------------------------------------------------------------------------------------


def existing_tables_pg(db):
    with db.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        return [row[0] for row in cursor.fetchall()]


def restore_postgresql(dump, force):
    conninfo = pg_conninfo()
    connection.close()  # Django's own connection must not hold locks on what is replaced
    with psycopg.connect(**conninfo, autocommit=True) as db:
        tables = existing_tables_pg(db)
        if tables and not force:
            raise not_empty(conninfo["dbname"], tables)
        if tables:
            schema = db.execute("SELECT current_schema()").fetchone()[0]
            db.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
            db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    done = subprocess.run(  # nosec B603
        [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         f"--dbname={conninfo['dbname']}", str(dump)],
        env=pg_environment(conninfo), capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed and restored nothing (one transaction): {done.stderr.strip()}")


def not_empty(name, tables):
    sample = ", ".join(tables[:3]) + (", ..." if len(tables) > 3 else "")
    return BackupError(f"The database {name} is not empty ({len(tables)} tables: {sample}). Restore into a fresh "
                       "empty database, or pass --force to replace everything in it.")


# --- SQLite ----------------------------------------------------------------------------------------------


def restore_sqlite(copy, force):
    target = Path(settings.DATABASES["default"]["NAME"])
    connection.close()
    if target.exists():
        with sqlite3.connect(target) as db:
            tables = list(table_counts_sqlite(db))
        if tables and not force:
            raise not_empty(str(target), tables)
    target.parent.mkdir(parents=True, exist_ok=True)
    source, destination = sqlite3.connect(copy), sqlite3.connect(target)
    try:
        source.backup(destination)  # replaces the whole destination database, page by page, in one go
    finally:
        source.close()
        destination.close()


# --- var/ files ------------------------------------------------------------------------------------------


def var_entries(manifest):
    return [part for part in manifest["parts"] if part["name"].startswith("var/")]


def check_var_files(work, manifest, force):
    """Refuse (before touching the database) to overwrite a different file under VAR_DIR unless forced."""
    root = Path(settings.VAR_DIR)
    for part in var_entries(manifest):
        target = root / PurePosixPath(part["name"]).relative_to("var")
        if target.exists() and not force and sha256_of(target) != part["sha256"]:
            raise BackupError(f"{target} exists and differs from the archive's copy: pass --force to replace it.")


def restore_var_files(work, manifest):
    root = Path(settings.VAR_DIR)
    restored = []
    for part in var_entries(manifest):
        target = root / PurePosixPath(part["name"]).relative_to("var")
        target.parent.mkdir(parents=True, exist_ok=True)
        (work / part["name"]).replace(target)
        restored.append(part["name"])
    return restored


# --- After restoring: the counts and the chain ------------------------------------------------------------


def current_counts_and_head():
    if is_postgresql():
        with psycopg.connect(**pg_conninfo()) as db, db.cursor() as cursor:
            counts = table_counts_pg(cursor)
            return counts, chain_head_of(cursor)
    with sqlite3.connect(settings.DATABASES["default"]["NAME"]) as db:
        return table_counts_sqlite(db), chain_head_of(db.cursor())


def check_restored(manifest, restored_files):
    from safehub.audit.trail import verify_whole_chain

    expected = manifest["database"]["row_counts"]
    counts, head = current_counts_and_head()
    differences = {table: {"manifest": expected.get(table), "restored": counts.get(table)}
                   for table in sorted(set(expected) | set(counts)) if expected.get(table) != counts.get(table)}
    checked, broken_at = verify_whole_chain()
    return {"tables": len(counts), "rows": sum(counts.values()), "count_differences": differences,
            "audit_events": checked, "audit_broken_at": broken_at,
            "head_matches": head == manifest["database"]["audit_chain_head"], "head": head, "files": restored_files}
