"""Who else the public can contact. Defaults from the partnership's public statement; override per area
with a JSON file (SAFEHUB_SIGNPOSTING_FILE) holding a list of {"name", "how", "when", "url"}. The defaults are
safety messages in every language; an area's own file is shown as written, in English (marked lang="en")."""

import json
from functools import lru_cache

from django.conf import settings
from django.utils.translation import pgettext_lazy

# A default route's words are safety messages (ADR 27), translated only where checked.
DEFAULT_ROUTES = [
    {"name": pgettext_lazy("safety", "Police (non-emergency)"), "how": pgettext_lazy("safety", "Call 101"),
     "when": pgettext_lazy("safety", "To report a crime or a concern that is not an emergency."), "url": ""},
    {"name": "Childline", "how": pgettext_lazy("safety", "Call 0800 1111"),
     "when": pgettext_lazy("safety", "Free and confidential help for children and young people, any time."),
     "url": "https://www.childline.org.uk"},
    {"name": pgettext_lazy("safety", "CEOP (Child Exploitation and Online Protection)"), "how": pgettext_lazy("safety", "Report online"),
     "when": pgettext_lazy("safety", "If a child is being groomed, pressured or abused online."),
     "url": "https://www.ceop.police.uk/ceop-reporting/"},
    {"name": pgettext_lazy("safety", "Family Connect (children's services front door)"), "how": pgettext_lazy("safety", "Call 01952 385385"),
     "when": pgettext_lazy("safety", "To speak to the local children's services team about a child's safety."), "url": ""},
    {"name": pgettext_lazy("safety", "NSPCC helpline for adults"), "how": pgettext_lazy("safety", "Call 0808 800 5000"),
     "when": pgettext_lazy("safety", "Advice if you are worried about a child, or about abuse you suffered as a child."),
     "url": "https://www.nspcc.org.uk"},
]


@lru_cache(maxsize=4)
def _load(path):
    if not path:
        return DEFAULT_ROUTES
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def routes():
    return _load(settings.SAFEHUB_SIGNPOSTING_FILE)
