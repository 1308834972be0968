from django.apps import AppConfig


def _render_case(request, case, **kwargs):
    from safehub.cases.views import render_case

    return render_case(request, case, **kwargs)


def _render_child(request, child, **kwargs):
    from safehub.cases.views import render_child

    return render_child(request, child, **kwargs)


class CasesConfig(AppConfig):
    name = "safehub.cases"
    label = "cases"

    def ready(self):
        from django.db.models.signals import post_save

        from safehub.access.models import Share
        from safehub.cases.chronology import note_share

        post_save.connect(note_share, sender=Share, dispatch_uid="cases-chronology-share")

        from django.urls import reverse

        from safehub.access.records import register_record
        from safehub.cases.models import Case, Child

        register_record(Case, url=lambda case: reverse("cases:case", args=[case.reference]), render=_render_case)
        register_record(Child, url=lambda child: reverse("cases:child", args=[child.reference]), render=_render_child)
