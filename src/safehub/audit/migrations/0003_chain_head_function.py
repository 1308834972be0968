"""On PostgreSQL, take the chain lock and read the chain head in one round trip.

Inside a VOLATILE plpgsql function each statement takes a fresh snapshot, so the head read after the lock
sees every event committed by the previous holder. One round trip fewer while the lock is held shortens
the queue of concurrent writers.
"""

from django.db import migrations

UP = """
CREATE OR REPLACE FUNCTION safehub_audit_head(lock_key bigint, OUT head_position bigint, OUT head_hash text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT position, hash INTO head_position, head_hash FROM audit_auditevent ORDER BY position DESC LIMIT 1;
END;
$$;
"""
DOWN = "DROP FUNCTION IF EXISTS safehub_audit_head(bigint);"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [migrations.RunPython(_on_postgresql(UP), _on_postgresql(DOWN))]
