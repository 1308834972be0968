from django.apps import AppConfig


def _render_contact(request, contact, **kwargs):
    from safehub.screening.views import render_contact

    return render_contact(request, contact, **kwargs)


class ScreeningConfig(AppConfig):
    name = "safehub.screening"
    label = "screening"

    def ready(self):
        from django.urls import reverse

        from safehub.access.records import register_record
        from safehub.intake.models import Contact

        register_record(Contact, url=lambda contact: reverse("screening:contact", args=[contact.reference]),
                        render=_render_contact)
