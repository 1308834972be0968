from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "safehub.intelligence"
    verbose_name = "People of concern, intelligence, operations, disruption and justice"

    def ready(self):
        from safehub.access.policy import register_visibility
        from safehub.intelligence import policy

        register_visibility("intelligence.personofconcern", policy.visible_people)
        register_visibility("intelligence.operation", policy.visible_operations)
        register_visibility("intelligence.intelligenceitem", policy.visible_intelligence,
                            named=policy.named_intelligence, verbs=policy.item_verbs)

        from django.urls import reverse

        from safehub.access.records import register_record
        from safehub.intelligence.models import IntelligenceItem, Operation, PersonOfConcern
        from safehub.intelligence.views.items import render_item
        from safehub.intelligence.views.operations import render_operation
        from safehub.intelligence.views.people import render_person

        register_record(PersonOfConcern, url=lambda person: reverse("intelligence:person", args=[person.pk]),
                        render=render_person, readers=tuple(sorted(policy.PERSON_READERS)))
        register_record(Operation, url=lambda operation: reverse("intelligence:operation", args=[operation.pk]),
                        render=render_operation,
                        readers=tuple(sorted(policy.OPERATION_READERS)))
        register_record(IntelligenceItem, url=lambda item: reverse("intelligence:item", args=[item.pk]),
                        render=render_item, readers=tuple(sorted(policy.INTELLIGENCE_READERS)),
                        receivers={"kind": "police"},
                        receivers_words="Intelligence moves only to another police force: a partner agency reads "
                                        "its sanitised summary instead.")

        from safehub.cases.views import CHILD_PAGE_SECTIONS
        from safehub.intelligence.views.items import child_section

        CHILD_PAGE_SECTIONS.append(child_section)
