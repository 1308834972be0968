from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "safehub.intelligence"
    verbose_name = "People of concern, intelligence, operations, disruption and justice"

    def ready(self):
        from safehub.access.policy import register_visibility
        from safehub.intelligence import policy

        register_visibility("intelligence.personofconcern", policy.visible_people)
        register_visibility("intelligence.operation", policy.visible_operations)
        register_visibility("intelligence.intelligenceitem", policy.visible_intelligence)

        from safehub.cases.views import CHILD_PAGE_SECTIONS
        from safehub.intelligence.views.items import child_section

        CHILD_PAGE_SECTIONS.append(child_section)
