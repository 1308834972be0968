"""The question pages of each journey: which steps, in which order, with which form."""

from dataclasses import dataclass

from safehub.intake import forms


@dataclass(frozen=True)
class Section:
    """A step that collects several items of one sort, with 'Add another' and 'Remove'."""

    key: str
    form: type
    title: str
    item_name: str
    intro: str


SECTIONS = {
    "children": Section("children", forms.ChildForm, "The child or children", "child",
                        "Tell us who you are worried about. Leave out anything you do not know."),
    "people": Section("people", forms.PersonForm, "People involved", "person",
                      "Tell us about anyone you think is involved, such as adults or older young people. "
                      "Nicknames and descriptions help even without a name."),
    "vehicles": Section("vehicles", forms.VehicleForm, "Vehicles", "vehicle",
                        "Tell us about any cars, vans or taxis you have seen. A part of the number plate helps."),
    "phones": Section("phones", forms.PhoneForm, "Phone numbers", "phone number",
                      "Tell us about any phone numbers linked to your concern."),
    "handles": Section("handles", forms.HandleForm, "Online accounts", "online account",
                       "Tell us about any usernames, profiles or apps used to contact the child."),
    "places": Section("places", forms.PlaceForm, "Places", "place",
                      "Tell us where things happen: addresses, parks, flats, takeaways, hotels or car parks."),
}

# The adult survivor's journey asks about the people and places they remember.
NON_RECENT_SECTIONS = {
    **SECTIONS,
    "people": Section("people", forms.PersonForm, "People you remember", "person",
                      "Tell us about anyone who hurt you or was involved, however long ago. Names, nicknames and "
                      "descriptions all help, even if you are not sure."),
    "places": Section("places", forms.PlaceForm, "Places you remember", "place",
                      "Tell us where it happened or where you were taken: addresses, flats, takeaways, hotels, car "
                      "parks. A rough description is fine."),
}

STEP_TITLES = {
    "concern": "Your concern",
    "wants": "What you would like to happen",
    "others": "Other people it happened to",
    "safe_contact": "Contacting you safely",
    "you": "About you",
    "referral": "About this referral",
    "check": "Check your answers",
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
