from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "safehub.linking"
    label = "linking"
    verbose_name = "Linking"

    def ready(self):
        from safehub.linking import lookups  # noqa: F401 (registers the LIKE lookups)
