"""The operation pages' forms. They check the shape of the answers; the rules of law and of the policy are
checked by the actions (`intelligence.actions.operations`), whose refusals come back onto these forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from safehub.accounts.models import User
from safehub.cases.forms import date_field, moment, text_field, time_field
from safehub.cases.models import Child
from safehub.intelligence.models import Disruption, JusticeStep, PersonOfConcern
from safehub.intelligence.policy import OPERATION_RUNNERS


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, person):
        return f"{person} ({person.reference})" if person.reference else str(person)


class OperationForm(forms.Form):
    name = forms.CharField(label="Name of the operation", max_length=200, help_text="For example, Operation Larch",
                           error_messages={"required": "Enter the name of the operation",
                                           "max_length": "The name must be 200 characters or fewer"})
    lead = forms.ModelChoiceField(label="Lead officer", queryset=User.objects.none(),
                                  help_text="An analyst, investigator or manager of your agency",
                                  error_messages={"required": "Choose who leads the operation"})
    network = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = User.objects.filter(
            agency_id=user.agency_id, is_active=True, is_system=False, role__in=sorted(OPERATION_RUNNERS)
        ).order_by("last_name", "first_name")
        self.fields["lead"].initial = user.pk


class AddPersonForm(forms.Form):
    """The person's reference, typed (a list of every person the user may open would grow with the records)."""

    person = forms.CharField(label="Reference of the person of concern", max_length=20,
                             help_text="For example, POC-000123",
                             error_messages={"required": "Enter the reference of the person of concern"})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, auto_id="add-person-%s", **kwargs)
        self.user = user

    def clean_person(self):
        reference = self.cleaned_data["person"].strip().upper()
        person = PersonOfConcern.objects.visible_to(self.user).filter(reference=reference).first()
        if person is None:
            raise ValidationError(f"There is no person of concern {reference} that you can open.")
        return person


class AddChildForm(forms.Form):
    child = forms.CharField(label="Reference of the child's record", max_length=20, help_text="For example, CH-000123",
                            error_messages={"required": "Enter the reference of the child's record"})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, auto_id="add-child-%s", **kwargs)
        self.user = user

    def clean_child(self):
        reference = self.cleaned_data["child"].strip().upper()
        child = Child.objects.visible_to(self.user).filter(reference=reference).first()
        if child is None:
            raise ValidationError(f"There is no child's record {reference} that you can open.")
        return child


class ProfileForm(forms.Form):
    victims = text_field("Victims", required=False, rows=4, help_text="Who is harmed or at risk, and how")
    offenders = text_field("Offenders", required=False, rows=4, help_text="Who is suspected, and how they act")
    locations = text_field("Locations", required=False, rows=4, help_text="Places, premises and routes of concern")
    themes = text_field("Themes", required=False, rows=4, help_text="Patterns, methods and emerging trends")

    def clean(self):
        data = super().clean()
        if not any((data.get(name) or "").strip() for name in ("victims", "offenders", "locations", "themes")):
            raise ValidationError("Write at least one part of the profile: victims, offenders, locations or themes")
        return data


def _not_in_future(form, day_field, time_name, message):
    data = form.cleaned_data
    if data.get(day_field) and data.get(time_name) and moment(data[day_field], data[time_name]) > timezone.now():
        form.add_error(day_field, message)


class DisruptionForm(forms.Form):
    kind = forms.ChoiceField(label="Measure", choices=Disruption.Kind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose the measure"})
    person = PersonChoice(label="Served on (a person in the operation)", queryset=None, required=False,
                          empty_label="Not a person: premises or a place", help_text="Or give the place below")
    place = forms.CharField(label="Premises or place", max_length=300, required=False,
                            help_text="The address, for a closure notice or order or a hotel information request")
    served_on = date_field("Date served")
    served_time = time_field("Time served")
    months = forms.IntegerField(label="Closure order: months the court gave", required=False, min_value=1,
                                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                help_text="At most 3", error_messages={"invalid": "Enter the months as a number",
                                                                       "min_value": "Enter at least 1 month"})
    years = forms.IntegerField(label="Sexual Risk Order or Sexual Harm Prevention Order: term in years",
                               required=False, min_value=1, widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                               help_text="At least 2 years for a Sexual Risk Order, 5 for a Sexual Harm Prevention "
                                         "Order",
                               error_messages={"invalid": "Enter the years as a number",
                                               "min_value": "Enter at least 1 year"})
    until_further_order = forms.BooleanField(label="The order lasts until further order (no fixed term)",
                                             required=False)
    extended = forms.BooleanField(label="Closure notice already extended to 48 hours by a superintendent",
                                  required=False)
    notes = text_field("Notes", required=False, rows=3)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people

    def clean(self):
        data = super().clean()
        _not_in_future(self, "served_on", "served_time", "Record a measure once it has been served: the date "
                                                         "cannot be in the future")
        return data

    def action_kwargs(self):
        data = self.cleaned_data
        return {"kind": data["kind"], "person": data.get("person"), "place": data.get("place", ""),
                "served_at": moment(data["served_on"], data["served_time"]), "months": data.get("months"),
                "years": data.get("years"), "until_further_order": data.get("until_further_order", False),
                "extended": data.get("extended", False), "notes": data.get("notes", "")}


class BreachForm(forms.Form):
    happened_on = date_field("Date of the breach")
    happened_time = time_field("Time of the breach")
    details = text_field("Details of the breach", rows=4, help_text="What happened, where, and who saw it")

    def clean(self):
        data = super().clean()
        _not_in_future(self, "happened_on", "happened_time", "Record a breach once it has happened: the time "
                                                             "cannot be in the future")
        return data

    def action_kwargs(self):
        data = self.cleaned_data
        return {"happened_at": moment(data["happened_on"], data["happened_time"]), "details": data["details"]}


class ReviewForm(forms.Form):
    reviewed_on = date_field("Date of the review")
    outcome = forms.ChoiceField(label="Outcome of the review", widget=forms.RadioSelect,
                                choices=[("continue", "The measure continues: set the next review"),
                                         ("end", "The measure ends now (lifted, discharged or no longer needed)")],
                                error_messages={"required": "Say whether the measure continues or ends"})
    notes = text_field("Notes", required=False, rows=3)


class JusticeStepForm(forms.Form):
    person = PersonChoice(label="Person", queryset=None, empty_label="Choose the person",
                          error_messages={"required": "Choose the person the step is about"})
    kind = forms.ChoiceField(label="Step", choices=JusticeStep.Kind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose the step"})
    on = date_field("Date", help_text="When it happened; for a first hearing or a trial, the date it is listed for. "
                                      "For example, 27/3/2026")
    time = time_field("Time")
    details = text_field("Details", required=False, rows=4,
                         help_text="A charge: the offences. No further action: the reason. A hearing: the court. A "
                                   "verdict or sentence: what the court decided.")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people

    def action_kwargs(self):
        data = self.cleaned_data
        return {"kind": data["kind"], "at": moment(data["on"], data["time"]), "details": data.get("details", "")}


class CloseForm(forms.Form):
    reason = text_field("Reason for closing", rows=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="close-%s", **kwargs)
