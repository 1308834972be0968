from django.conf import settings

from safehub.intake.signposting import routes


def signposting(request):
    return {"signposting_routes": routes(), "area_name": settings.SAFEHUB_AREA_NAME}
