"""On PostgreSQL the audit table refuses UPDATE and DELETE, whichever code path tries.

TRUNCATE is left to the table owner (the test suite's flush uses it); in production the application's
database role should hold only SELECT and INSERT on this table. SQLite, the embedded demo database, has no
trigger: the hash chain still exposes any change there.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION safehub_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION safehub_audit_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS safehub_audit_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(_on_postgresql(POSTGRES_UP), _on_postgresql(POSTGRES_DOWN)),
    ]
