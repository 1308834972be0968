from django import template

from safehub import clock

register = template.Library()


@register.simple_tag
def consent_form_or_new(form):
    from safehub.support.forms import ConsentForm

    return form or ConsentForm(initial={"given_on": clock.today().strftime("%d/%m/%Y")})
