"""Who else the public can contact. Defaults from the partnership's public statement; override per area
with a JSON file (SAFEHUB_SIGNPOSTING_FILE) holding a list of {"name", "how", "when", "url"}."""

import json
from functools import lru_cache

from django.conf import settings

DEFAULT_ROUTES = [
    {"name": "Police (non-emergency)", "how": "Call 101", "when": "To report a crime or a concern that is not an emergency.", "url": ""},
    {"name": "Childline", "how": "Call 0800 1111", "when": "Free and confidential help for children and young people, any time.", "url": "https://www.childline.org.uk"},
    {"name": "CEOP (Child Exploitation and Online Protection)", "how": "Report online", "when": "If a child is being groomed, pressured or abused online.", "url": "https://www.ceop.police.uk/ceop-reporting/"},
    {"name": "Family Connect (children's services front door)", "how": "Call 01952 385385", "when": "To speak to the local children's services team about a child's safety.", "url": ""},
    {"name": "NSPCC helpline for adults", "how": "Call 0808 800 5000", "when": "Advice if you are worried about a child, or about abuse you suffered as a child.", "url": "https://www.nspcc.org.uk"},
]


@lru_cache(maxsize=4)
def _load(path):
    if not path:
        return DEFAULT_ROUTES
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def routes():
    return _load(settings.SAFEHUB_SIGNPOSTING_FILE)
