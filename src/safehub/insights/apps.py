from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "safehub.insights"
    default_auto_field = "django.db.models.BigAutoField"
