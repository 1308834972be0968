from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "safehub.intake"
    label = "intake"
