from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "safehub.cases"
    label = "cases"

    def ready(self):
        from django.db.models.signals import post_save

        from safehub.access.models import Share
        from safehub.cases.chronology import note_share

        post_save.connect(note_share, sender=Share, dispatch_uid="cases-chronology-share")
