from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "safehub.support"
    verbose_name = "Support plans, safe contact, consent, adult survivors and the Victims' Code"

    def ready(self):
        from django.db.models.signals import post_save

        from safehub.access.actions import SHARE_CHECKS
        from safehub.access.policy import register_visibility
        from safehub.cases.views import CASE_PAGE_SECTIONS, CHILD_PAGE_TOP_SECTIONS
        from safehub.intelligence.models import JusticeStep
        from safehub.screening.views import CONTACT_PAGE_SECTIONS
        from safehub.support import actions, pages, policy

        register_visibility("support.adultsurvivor", policy.visible_survivors)
        SHARE_CHECKS.append(actions.check_share_consent)
        post_save.connect(actions.justice_step_recorded, sender=JusticeStep, dispatch_uid="support.victims_code")
        CHILD_PAGE_TOP_SECTIONS.append(pages.child_support_section)
        CASE_PAGE_SECTIONS.append(pages.case_support_section)
        CONTACT_PAGE_SECTIONS.append(pages.contact_survivor_section)
