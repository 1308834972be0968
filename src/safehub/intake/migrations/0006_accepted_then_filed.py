from django.db import migrations, models


def reports_so_far_are_filed(apps, schema_editor):
    Contact = apps.get_model("intake", "Contact")
    Contact.objects.filter(filed_at__isnull=True).update(filed_at=models.F("received_at"))


class Migration(migrations.Migration):
    dependencies = [("intake", "0005_flood_batches")]

    operations = [
        migrations.AddField(model_name="contact", name="answers", field=models.JSONField(blank=True, default=dict)),
        migrations.AddField(model_name="contact", name="filed_at", field=models.DateTimeField(blank=True, null=True)),
        migrations.RunPython(reports_so_far_are_filed, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(condition=models.Q(("filed_at__isnull", True)), fields=["received_at"],
                               name="contact_waiting_to_be_filed"),
        ),
    ]
