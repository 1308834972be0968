from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "safehub.insights"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The child's page offers a manager who may manage the record the case bundle export.
        from safehub.cases.views import CHILD_PAGE_SECTIONS
        from safehub.insights.views import bundle_section

        CHILD_PAGE_SECTIONS.append(bundle_section)
