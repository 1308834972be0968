from django.apps import AppConfig


def _render_contact(request, contact, **kwargs):
    from safehub.screening.views import render_contact

    return render_contact(request, contact, **kwargs)


def _file_before_read(contact, *, user, request):
    """A report the public form accepted and the worker has not filed yet is filed first (ADR 35)."""
    from safehub.intake.actions import ensure_filed

    ensure_filed(contact, user=user, request=request)


class ScreeningConfig(AppConfig):
    name = "safehub.screening"
    label = "screening"

    def ready(self):
        from django.urls import reverse

        from safehub.access.records import register_record
        from safehub.intake.models import Contact

        register_record(Contact, url=lambda contact: reverse("screening:contact", args=[contact.reference]),
                        render=_render_contact, before_read=_file_before_read)
