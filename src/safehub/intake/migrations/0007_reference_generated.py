from django.db import migrations, models

import safehub.intake.models


def every_reference_follows_the_rule(apps, schema_editor):
    """The generated column recomputes every reference: refuse to go on if that would change one a reporter
    holds (every reference so far was written as SH-<year received, UTC>-<id, six digits or more>)."""
    Contact = apps.get_model("intake", "Contact")
    for pk, reference, received_at in Contact.objects.values_list("pk", "reference", "received_at").iterator():
        expected = f"SH-{received_at.astimezone(__import__('datetime').timezone.utc).year}-{pk:06d}"
        if reference not in (None, expected):
            raise RuntimeError(f"Contact {pk} has reference {reference}, not {expected}: not changed; fix it first")


class Migration(migrations.Migration):
    dependencies = [("intake", "0006_accepted_then_filed")]

    operations = [
        migrations.RunPython(every_reference_follows_the_rule, migrations.RunPython.noop),
        migrations.RemoveField(model_name="contact", name="reference"),
        migrations.AddField(
            model_name="contact",
            name="reference",
            field=models.GeneratedField(db_persist=True, expression=safehub.intake.models.ContactReference(),
                                        output_field=models.CharField(max_length=20), unique=True),
        ),
    ]
