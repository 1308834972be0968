from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "safehub.screening"
    label = "screening"
