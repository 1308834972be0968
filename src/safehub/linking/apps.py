from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "safehub.linking"
    label = "linking"
    verbose_name = "Linking"
