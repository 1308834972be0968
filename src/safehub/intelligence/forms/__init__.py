"""Forms for people of concern and intelligence items. Every rule a form checks is the action's own rule
(`person_errors`, `grading.errors`), so a page and the API refuse the same things with the same words."""

from django import forms

from safehub.cases.forms import date_field, moment, text_field, time_field
from safehub.cases.models import Ethnicity
from safehub.intelligence import grading
from safehub.intelligence.actions.items import Named
from safehub.intelligence.actions.people import PERSON_FIELDS, detail_error, person_errors
from safehub.intelligence.models import Answered, Disability, PersonDetail, Sex

ETHNICITY_CHOICES = [("", "Choose an answer")] + [
    (value, "Refused (the person declined to say)" if value == Ethnicity.REFUSED else label)
    for value, label in Ethnicity.choices]


def age_field(label):
    return forms.IntegerField(label=label, required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"}),
                              error_messages={"invalid": "Enter the age as a whole number, like 35"})


class PersonForm(forms.Form):
    """A person of concern's own fields. Ethnicity, nationality and disability are always asked: "not known" and
    "refused" are answers, a blank is refused by the form. On promotion, `offers` adds the phones, vehicles
    and accounts of the reports that name the person, as checkboxes."""

    first_name = forms.CharField(label="First name", max_length=100, required=False)
    last_name = forms.CharField(label="Last name", max_length=100, required=False)
    aliases = forms.CharField(label="Other names", max_length=500, required=False,
                              help_text="Other names they use or are recorded under, separated with commas")
    nicknames = forms.CharField(label="Nicknames", max_length=500, required=False,
                                help_text="Separate them with commas")
    date_of_birth = date_field("Date of birth", required=False, help_text="If you know it. For example, 27/3/1990")
    age_from = age_field("Age range: from")
    age_to = age_field("Age range: to")
    sex = forms.ChoiceField(label="Sex", required=False, choices=[("", "Not recorded")] + list(Sex.choices))
    ethnicity = forms.ChoiceField(label="Ethnicity (ONS 2021)", required=False, choices=ETHNICITY_CHOICES,
                                  help_text="Always ask. Choose not known if it has not been obtained yet")
    nationality_answer = forms.ChoiceField(
        label="Nationality", required=False, widget=forms.RadioSelect, choices=Answered.choices,
        help_text="Always ask. Not known and refused are answers")
    nationality = forms.CharField(label="Nationality as recorded", max_length=100, required=False,
                                  help_text="The country, for example British or Polish. Only when recorded")
    disability = forms.ChoiceField(
        label="Does the person have a disability?", required=False, widget=forms.RadioSelect,
        choices=Disability.choices, help_text="Always ask. Not known and refused are answers")
    description = text_field("Description", required=False, rows=4,
                             help_text="Height, build, hair, clothing, marks, how they present")
    offers = forms.MultipleChoiceField(
        label="Phones, vehicles and online accounts in the reports naming them", required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ticked in advance: named in a report that names only this person of concern. A report naming "
                  "several people does not say whose phone it is: check before ticking the others")

    def __init__(self, *args, offers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if offers is None:
            del self.fields["offers"]
        else:
            self.fields["offers"].choices = [(offer.value, offer.label) for offer in offers]
            self.fields["offers"].initial = [offer.value for offer in offers if offer.ticked]

    def clean(self):
        data = super().clean()
        for field, message in person_errors(data).items():
            if field not in self.errors:
                self.add_error(field, message)
        return data

    def person_fields(self):
        return {name: self.cleaned_data[name] for name in PERSON_FIELDS}

    def details(self):
        return [tuple(value.split(":", 1)) for value in self.cleaned_data.get("offers", [])]


class DetailForm(forms.Form):
    kind = forms.ChoiceField(label="What it is", choices=[("", "Choose")] + list(PersonDetail.Kind.choices),
                             error_messages={"required": "Choose what kind of detail this is"})
    value = forms.CharField(label="The detail", max_length=300, required=False,
                            help_text="A phone number, registration mark, username or profile link, address, or an "
                                      "associate's name or reference (POC-000123)")
    note = forms.CharField(label="Note", max_length=300, required=False,
                           help_text="Optional: where it came from, when it was used")

    def clean(self):
        data = super().clean()
        if data.get("kind"):
            error = detail_error(data["kind"], data.get("value", ""))
            if error:
                self.add_error("value", error)
        return data


GRADE_LABELS = {"source": "Source evaluation", "intelligence": "Intelligence assessment", "handling": "Handling code"}


def grade_field(scheme, part):
    label = GRADE_LABELS[part]
    return forms.ChoiceField(label=label, required=False, choices=[("", "Choose")] + grading.choices(scheme, part))


NAMED_FIELDS = [("named_person", Named.PERSON, "People named"), ("named_child", Named.CHILD, "Children named"),
                ("named_nickname", Named.NICKNAME, "Nicknames"), ("named_phone", Named.PHONE, "Phone numbers"),
                ("named_vehicle", Named.VEHICLE, "Vehicles (registration marks, part of one is fine)"),
                ("named_handle", Named.HANDLE, "Online accounts"), ("named_place", Named.PLACE, "Places")]


class ItemForm(forms.Form):
    """An intelligence item. Both grading schemes are on the page; only the chosen scheme's grades count."""

    scheme = forms.ChoiceField(label="Grading scheme", widget=forms.RadioSelect, required=False,
                               choices=[(grading.THREE_FIVE_TWO, "3x5x2 (College of Policing): use for new items"),
                                        (grading.FIVE_FIVE_FIVE, "5x5x5: only for older items graded that way")])
    source_352 = grade_field(grading.THREE_FIVE_TWO, "source")
    intelligence_352 = grade_field(grading.THREE_FIVE_TWO, "intelligence")
    handling_352 = grade_field(grading.THREE_FIVE_TWO, "handling")
    source_555 = grade_field(grading.FIVE_FIVE_FIVE, "source")
    intelligence_555 = grade_field(grading.FIVE_FIVE_FIVE, "intelligence")
    handling_555 = grade_field(grading.FIVE_FIVE_FIVE, "handling")
    handling_condition = text_field("Handling condition", required=False, rows=2,
                                    help_text="3x5x2: required with handling code C, and only then")
    received_on = date_field("Date received")
    received_time = time_field("Time received")
    text = text_field("The intelligence", required=False, rows=6,
                      help_text="Police only: partners never read this")
    sanitised_summary = text_field("Sanitised summary for partners", required=False, rows=3,
                                   help_text="What a partner may read where the handling code allows: nothing that "
                                             "could identify the source or a tactic. Leave blank to share nothing")
    people = forms.CharField(label="People of concern it is about", max_length=500, required=False,
                             help_text="Their references, separated with commas, for example POC-000012")
    operation = forms.ChoiceField(label="Operation", required=False)

    def __init__(self, *args, operations=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name, _, label in NAMED_FIELDS:
            self.fields[name] = text_field(label, required=False, rows=2, max_length=3000,
                                           help_text="One on each line")
        self.fields["operation"].choices = [("", "None")] + [(str(op.pk), op.name) for op in operations]
        self.operations = {str(op.pk): op for op in operations}

    def grades_352(self):
        return [self[name] for name in ("source_352", "intelligence_352", "handling_352")]

    def grades_555(self):
        return [self[name] for name in ("source_555", "intelligence_555", "handling_555")]

    def named_fields(self):
        return [self[name] for name, _, _ in NAMED_FIELDS]

    def field_for(self, action_field):
        """The form field showing an error the action gave for one of its arguments."""
        suffix = "352" if self.data.get("scheme") != grading.FIVE_FIVE_FIVE else "555"
        return {"scheme": "scheme", "source_grade": f"source_{suffix}", "intelligence_grade": f"intelligence_{suffix}",
                "handling_code": f"handling_{suffix}", "received_at": "received_on",
                "named": "named_person"}.get(action_field, action_field)

    def clean(self):
        data = super().clean()
        suffix = "555" if data.get("scheme") == grading.FIVE_FIVE_FIVE else "352"
        found = grading.errors(data.get("scheme"), data.get(f"source_{suffix}"), data.get(f"intelligence_{suffix}"),
                               data.get(f"handling_{suffix}"), data.get("handling_condition"))
        if not (data.get("text") or "").strip():
            found["text"] = "Enter the intelligence"
        for field, message in found.items():
            if self.field_for(field) not in self.errors:
                self.add_error(self.field_for(field), message)
        return data

    def item_kwargs(self):
        data = self.cleaned_data
        suffix = "555" if data["scheme"] == grading.FIVE_FIVE_FIVE else "352"
        named = [(kind, line) for name, kind, _ in NAMED_FIELDS for line in data[name].splitlines() if line.strip()]
        return {"scheme": data["scheme"], "source_grade": data[f"source_{suffix}"],
                "intelligence_grade": data[f"intelligence_{suffix}"], "handling_code": data[f"handling_{suffix}"],
                "handling_condition": data["handling_condition"], "text": data["text"],
                "sanitised_summary": data["sanitised_summary"],
                "received_at": moment(data["received_on"], data["received_time"]), "named": named,
                "operation": self.operations.get(data["operation"])}

    def people_references(self):
        return [part.strip().upper() for part in self.cleaned_data["people"].split(",") if part.strip()]
