import datetime as dt

from django import forms
from django.utils import timezone

from safehub import clock, risk
from safehub.accounts.models import Agency, User
from safehub.cases.actions import CHILD_FIELDS
from safehub.cases.models import Case, CaseNote, Child, Meeting, PlanAction

DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%Y-%m-%d", "%d-%m-%Y"]
DATE_HINT = "For example, 27/3/2026"
TEXT_LIMIT = 10_000


def date_field(label, required=True, help_text=DATE_HINT):
    return forms.DateField(label=label, required=required, input_formats=DATE_FORMATS, help_text=help_text,
                           error_messages={"required": f"Enter the {label.lower()}",
                                           "invalid": f"Enter the {label.lower()} as a real date, like 27/3/2026"})


def text_field(label, required=True, rows=4, max_length=TEXT_LIMIT, help_text=""):
    return forms.CharField(label=label, required=required, max_length=max_length, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}),
                           error_messages={"required": f"Enter the {label.lower()}",
                                           "max_length": f"The {label.lower()} must be {max_length:,} characters or fewer"})


def time_field(label="Time"):
    return forms.TimeField(label=label, input_formats=["%H:%M", "%H.%M", "%H%M"], help_text="24-hour clock, like 14:30",
                           error_messages={"required": "Enter the time", "invalid": "Enter the time like 14:30"})


def moment(day, time):
    return dt.datetime.combine(day, time, tzinfo=clock.LONDON)


class ChildForm(forms.ModelForm):
    date_of_birth = date_field("Date of birth", required=False, help_text="If you know it. For example, 27/3/2012")
    address = forms.CharField(label="Current address", max_length=300, required=False)
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)

    class Meta:
        model = Child
        fields = list(CHILD_FIELDS)
        labels = {"first_name": "First name, or the name they are known by", "approximate_age": "Approximate age",
                  "nhs_number": "NHS number", "aliases": "Other names and nicknames", "send":
                  "Special educational needs or disability", "learning_disability": "The child has a learning disability",
                  "looked_after": "Looked after status"}
        help_texts = {"approximate_age": "If the date of birth is not known", "aliases": "Separate them with commas",
                      "nhs_number": "Optional: 10 digits"}
        error_messages = {"first_name": {"required": "Enter the child's first name or the name they are known by"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ethnicity"].choices = [("", "Not yet recorded")] + list(self.fields["ethnicity"].choices)[1:]

    def clean(self):
        data = super().clean()
        if data.get("date_of_birth") and data["date_of_birth"] > clock.today():
            self.add_error("date_of_birth", "The date of birth must be in the past")
        if data.get("approximate_age") is not None and data["approximate_age"] > 25:
            self.add_error("approximate_age", "Enter an age of 25 or under")
        return data

    def child_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def addresses(self):
        if not self.cleaned_data.get("address"):
            return []
        return [{"address": self.cleaned_data["address"], "postcode": self.cleaned_data.get("postcode", "").upper()}]


class AllocateForm(forms.Form):
    worker = forms.ModelChoiceField(label="Allocate to", queryset=User.objects.none(),
                                    error_messages={"required": "Choose who will hold the case"})

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = User.objects.filter(
            agency_id=case.owning_agency_id, role__in=["worker", "manager"], is_active=True).order_by("last_name")


class ExtendForm(forms.Form):
    new_due = date_field("New assessment deadline")
    reason = text_field("Reason for the extension", rows=3)


class CompleteAssessmentForm(forms.Form):
    completed_on = date_field("Date the assessment was completed")
    summary = text_field("Conclusion of the assessment", rows=3)


class RiskForm(forms.Form):
    NOT_SEEN = ""

    assessed_on = date_field("Date of the screening")
    harms = forms.MultipleChoiceField(
        label="What harm is the child experiencing or at risk of?", widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
        choices=[(key, item.label) for key, item in risk.HARMS.items()],
        error_messages={"required": "Select at least one kind of harm the child is experiencing or at risk of"})
    settings = forms.MultipleChoiceField(
        label="Where has it happened?", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. Leave blank if not known yet.",
        choices=[(key, item.label) for key, item in risk.SETTINGS.items()])
    vulnerabilities = forms.MultipleChoiceField(
        label="Vulnerabilities", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(key, item.label) for key, item in risk.VULNERABILITIES.items()])
    moderate = forms.MultipleChoiceField(
        label="Moderate indicators (present now or in the last 6 months)", required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(key, item.label) for key, item in risk.MODERATE_INDICATORS.items()])
    disclosure = forms.BooleanField(label="The child has disclosed exploitation", required=False)
    judgement = forms.TypedChoiceField(
        label="Professional judgement", required=False, coerce=int, empty_value=None,
        choices=[("", "Agree with the tool's result")] + [(c.value, c.label) for c in risk.RiskCategory],
        help_text="Raise or lower the result only with a reason")
    judgement_reason = text_field("Reason for the professional judgement", required=False, rows=3)
    notes = text_field("Notes", required=False, rows=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        timing = [(self.NOT_SEEN, "Not seen")] + list(risk.Timing.choices)
        for key, item in risk.SIGNIFICANT_INDICATORS.items():
            self.fields[f"sig_{key}"] = forms.ChoiceField(label=item.label, choices=timing, required=False)

    def significant_fields(self):
        return [self[f"sig_{key}"] for key in risk.SIGNIFICANT_INDICATORS]

    def clean_assessed_on(self):
        day = self.cleaned_data["assessed_on"]
        if day > clock.today():
            raise forms.ValidationError("The date of the screening cannot be in the future")
        return day

    def screening_kwargs(self):
        data = self.cleaned_data
        significant = {key: data[f"sig_{key}"] for key in risk.SIGNIFICANT_INDICATORS if data.get(f"sig_{key}")}
        return {"assessed_on": data["assessed_on"], "harms": data["harms"], "settings": data["settings"],
                "vulnerabilities": data["vulnerabilities"],
                "moderate": data["moderate"], "significant": significant, "disclosure": data["disclosure"],
                "judgement": data["judgement"], "judgement_reason": data["judgement_reason"], "notes": data["notes"]}


class ActionForm(forms.Form):
    description = forms.CharField(label="What must be done", max_length=500,
                                  error_messages={"required": "Say what must be done"})
    owner_name = forms.CharField(label="Who will do it", max_length=200,
                                 error_messages={"required": "Say who will do it"})
    owner_agency = forms.ModelChoiceField(label="Their agency", queryset=Agency.objects.all(),
                                          error_messages={"required": "Choose their agency"})
    due_on = date_field("Due date")

    def action_kwargs(self):
        return {name: self.cleaned_data[name] for name in ("description", "owner_name", "owner_agency", "due_on")}


class OptionalActionForm(ActionForm):
    """One row of actions a meeting decided; a row left blank is ignored."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def clean(self):
        data = super().clean()
        filled = [name for name in ("description", "owner_name", "owner_agency", "due_on") if data.get(name)]
        if filled and len(filled) < 4:
            self.add_error(None, "Give each action what, who, their agency and a due date")
        return data

    def is_blank(self):
        return not any(self.cleaned_data.get(name) for name in ("description", "owner_name", "owner_agency", "due_on"))


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=PlanAction.Status.choices, error_messages={"required": "Choose a status"})


class AttendeeForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, required=False)
    agency = forms.ModelChoiceField(label="Agency", queryset=Agency.objects.all(), required=False)
    role = forms.CharField(label="Role", max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("name")) != bool(data.get("agency")):
            self.add_error(None, "Give each attendee a name and an agency")
        return data

    def is_blank(self):
        return not self.cleaned_data.get("name")


AttendeeFormSet = forms.formset_factory(AttendeeForm, extra=5, max_num=40)
ActionFormSet = forms.formset_factory(OptionalActionForm, extra=3, max_num=40)


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of meeting", choices=Meeting.Kind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose the kind of meeting"})
    held_on = date_field("Date held")
    held_time = time_field("Time it started")
    chair = forms.CharField(label="Chair", max_length=200, error_messages={"required": "Say who chaired the meeting"})
    section_47 = forms.BooleanField(label="Section 47 enquiries started (strategy discussion)", required=False)
    victims = text_field("Victims", required=False, rows=3, help_text="MACE: children at risk and their needs")
    offenders = text_field("Offenders", required=False, rows=3, help_text="MACE: persons of concern and disruption")
    locations = text_field("Locations", required=False, rows=3, help_text="MACE: places of concern")
    themes = text_field("Themes", required=False, rows=3, help_text="MACE: patterns and emerging trends")
    discussion = text_field("Discussion", required=False, rows=4)
    decisions = text_field("Decisions", required=False, rows=4)
    people_of_concern = forms.MultipleChoiceField(
        label="People of concern discussed", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Offenders who have a person of concern record you can open. Write about anyone else under "
                  "Offenders.")
    other_cases = forms.MultipleChoiceField(
        label="Other children discussed (MACE only)", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Children at significant risk whose cases you can work on: the meeting is recorded on each")

    def __init__(self, *args, other_cases=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.other_case_records = {case.reference: case for case in other_cases}
        self.fields["other_cases"].choices = [(case.reference, f"{case.child} ({case.reference})")
                                              for case in other_cases]
        self.people = {str(person.pk): person for person in people}
        self.fields["people_of_concern"].choices = [
            (key, f"{person} ({person.reference})" if person.reference else str(person))
            for key, person in self.people.items()]

    def clean(self):
        data = super().clean()
        if data.get("held_on") and data.get("held_time") and moment(data["held_on"], data["held_time"]) > timezone.now():
            self.add_error("held_on", "Record a meeting once it has been held")
        if data.get("other_cases") and data.get("kind") != Meeting.Kind.MACE:
            self.add_error("other_cases", "Only a MACE meeting covers other children's cases")
        return data

    def meeting_kwargs(self):
        data = self.cleaned_data
        fields = ("kind", "chair", "section_47", "victims", "offenders", "locations", "themes", "discussion",
                  "decisions")
        others = [self.other_case_records[reference] for reference in data.get("other_cases", [])]
        people = [self.people[key] for key in data.get("people_of_concern", [])]
        return {"held_at": moment(data["held_on"], data["held_time"]), "other_cases": others,
                "people_of_concern": people, **{name: data[name] for name in fields}}


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of note", choices=CaseNote.Kind.choices,
                             error_messages={"required": "Choose the kind of note"})
    happened_on = date_field("Date it happened")
    happened_time = time_field("Time it happened")
    text = text_field("Note", rows=5)

    def clean(self):
        data = super().clean()
        if data.get("happened_on") and data.get("happened_time"):
            if moment(data["happened_on"], data["happened_time"]) > timezone.now():
                self.add_error("happened_on", "The time cannot be in the future")
        return data


class ClosureForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=Case.ClosureOutcome.choices, widget=forms.RadioSelect,
                                error_messages={"required": "Choose the outcome of the case"})
    summary = text_field("Why the case can close", rows=4)


class ReasonForm(forms.Form):
    reason = text_field("Reason", rows=3)


class AddressForm(forms.Form):
    address = forms.CharField(label="Address", max_length=300, error_messages={"required": "Enter the address"})
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    lived_from = date_field("Moved in", required=False)
    lived_to = date_field("Moved out", required=False, help_text="Leave blank if they still live there")


class PersonForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the person's name"})
    relationship = forms.CharField(label="Who they are to the child", max_length=200,
                                   error_messages={"required": "Say who they are to the child"})
    of_concern = forms.BooleanField(label="A person of concern", required=False)
    notes = text_field("Notes", required=False, rows=2)


class MergeForm(forms.Form):
    reason = text_field("Reason for the merge", rows=3,
                        help_text="Why you are sure both records are of the same child: what they share, and who "
                                  "you checked with")


class UnmergeForm(forms.Form):
    """Undo one merge into the kept record. Several can be on one page: give each its own `auto_id`."""

    reason = text_field("Reason for undoing the merge", rows=3)
    merge = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": "Choose the merge to undo",
                                                                         "invalid": "Choose the merge to undo"})

    @staticmethod
    def auto_id_for(merge_id):
        return f"undo-{merge_id}-%s"
