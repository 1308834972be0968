"""The question pages of each journey: which steps, in which order, with which form."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from safehub.intake import forms


@dataclass(frozen=True)
class Section:
    """A step that collects several items of one sort, with 'Add another' and 'Remove'.

    Each phrase naming an item is whole (not "Add another " + a noun), so that each language can say it its own
    way; %(number)s is the item's number."""

    key: str
    form: type
    title: str
    intro: str
    item: str
    add_another: str
    remove: str
    change: str


_CHILD = dict(item=_("Child %(number)s"), add_another=_("Add another child"), remove=_("Remove child %(number)s"),
              change=_("Change child %(number)s"))
_PERSON = dict(item=_("Person %(number)s"), add_another=_("Add another person"), remove=_("Remove person %(number)s"),
               change=_("Change person %(number)s"))
_VEHICLE = dict(item=_("Vehicle %(number)s"), add_another=_("Add another vehicle"),
                remove=_("Remove vehicle %(number)s"), change=_("Change vehicle %(number)s"))
_PHONE = dict(item=_("Phone number %(number)s"), add_another=_("Add another phone number"),
              remove=_("Remove phone number %(number)s"), change=_("Change phone number %(number)s"))
_HANDLE = dict(item=_("Online account %(number)s"), add_another=_("Add another online account"),
               remove=_("Remove online account %(number)s"), change=_("Change online account %(number)s"))
_PLACE = dict(item=_("Place %(number)s"), add_another=_("Add another place"), remove=_("Remove place %(number)s"),
              change=_("Change place %(number)s"))

SECTIONS = {
    "children": Section("children", forms.ChildForm, _("The child or children"),
                        _("Tell us who you are worried about. Leave out anything you do not know."), **_CHILD),
    "people": Section("people", forms.PersonForm, _("People involved"),
                      _("Tell us about anyone you think is involved, such as adults or older young people. "
                        "Nicknames and descriptions help even without a name."), **_PERSON),
    "vehicles": Section("vehicles", forms.VehicleForm, _("Vehicles"),
                        _("Tell us about any cars, vans or taxis you have seen. A part of the number plate helps."),
                        **_VEHICLE),
    "phones": Section("phones", forms.PhoneForm, _("Phone numbers"),
                      _("Tell us about any phone numbers linked to your concern."), **_PHONE),
    "handles": Section("handles", forms.HandleForm, _("Online accounts"),
                       _("Tell us about any usernames, profiles or apps used to contact the child."), **_HANDLE),
    "places": Section("places", forms.PlaceForm, _("Places"),
                      _("Tell us where things happen: addresses, parks, flats, takeaways, hotels or car parks."),
                      **_PLACE),
}

# The adult survivor's journey asks about the people and places they remember.
NON_RECENT_SECTIONS = {
    **SECTIONS,
    "people": Section("people", forms.PersonForm, _("People you remember"),
                      _("Tell us about anyone who hurt you or was involved, however long ago. Names, nicknames and "
                        "descriptions all help, even if you are not sure."), **_PERSON),
    "places": Section("places", forms.PlaceForm, _("Places you remember"),
                      _("Tell us where it happened or where you were taken: addresses, flats, takeaways, hotels, car "
                        "parks. A rough description is fine."), **_PLACE),
}

STEP_TITLES = {
    "concern": _("Your concern"),
    "wants": _("What you would like to happen"),
    "others": _("Other people it happened to"),
    "safe_contact": _("Contacting you safely"),
    "you": _("About you"),
    "referral": "About this referral",
    "check": _("Check your answers"),
    **{key: section.title for key, section in SECTIONS.items()},
}


@dataclass(frozen=True)
class Flow:
    name: str
    session_key: str
    url_name: str
    start_url_name: str

    def steps(self, draft):
        kind = draft.get("kind")
        if kind == "non_recent":
            named = not (draft.get("reporter") or {}).get("anonymous", True)
            return ["concern", "wants", "people", "places", "others", "you", *(["safe_contact"] if named else []),
                    "check"]
        detail_steps = ["concern", "children", "people", "vehicles", "phones", "handles", "places"]
        if kind == "professional":
            return [*detail_steps, "referral", "check"]
        return [*detail_steps, "you", "check"]


PUBLIC = Flow("public", "report_draft", "intake:report_step", "intake:report_start")
PROFESSIONAL = Flow("professional", "referral_draft", "intake:referral_step", "intake:referral_start")


def sections_for(draft):
    return NON_RECENT_SECTIONS if draft.get("kind") == "non_recent" else SECTIONS
