"""Forms of the support pages. Messages follow GOV.UK style; dates are typed as dd/mm/yyyy."""

from django import forms
from django.conf import settings

from safehub.access.models import LawfulBasis
from safehub.accounts.models import Agency
from safehub.intake.forms import SafeContactForm, text
from safehub.intake.models import SurvivorAnswers
from safehub.support.models import Consent, SupportGoal, SupportService, VoiceEntry

DATE_INPUTS = ["%d/%m/%Y", "%Y-%m-%d", "%d %m %Y", "%d-%m-%Y"]


def date_field(label, hint="For example, 27/11/2026.", required=True):
    return forms.DateField(label=label, input_formats=DATE_INPUTS, required=required, help_text=hint,
                           error_messages={"required": f"Enter the {label.lower()}",
                                           "invalid": f"Enter the {label.lower()} as a real date, like 27/11/2026"})


def service_choices():
    return list(settings.SAFEHUB_SUPPORT_SERVICES)


class OpenSurvivorForm(forms.Form):
    wants = forms.ChoiceField(label="What does the survivor want?", choices=SurvivorAnswers.Wants.choices,
                              widget=forms.RadioSelect,
                              error_messages={"required": "Select what the survivor wants"})
    summary = text("Notes for the record", 2000, rows=4,
                   hint="What the screener noted. The survivor's own account stays on their report.")


class RouteForm(forms.Form):
    police_agency = forms.ModelChoiceField(
        label="Share their record with the police", queryset=Agency.objects.none(), required=False,
        empty_label="Not to the police", help_text="The police force the survivor wants to report to.")
    services = forms.MultipleChoiceField(label="Refer to support services", choices=(), required=False,
                                         widget=forms.CheckboxSelectMultiple)
    provider = text("Who provides the services", 200, hint="For example, 'Wrekin Rape Crisis ISVA service'.")
    consent_given = forms.BooleanField(label="The survivor agreed to these routes", required=False)
    consent_given_on = date_field("Date they agreed", required=False)
    lawful_basis = forms.ChoiceField(
        label="Lawful basis, if the police share is without their consent", required=False,
        choices=[("", "Not needed: they consented")] + [c for c in LawfulBasis.choices if c[0] != LawfulBasis.CONSENT])
    basis_reason = text("Why share with the police without their consent", 2000, rows=3)

    def __init__(self, *args, owner_agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        police = Agency.objects.filter(kind=Agency.Kind.POLICE)
        if owner_agency is not None:
            police = police.exclude(pk=owner_agency.pk)
        self.fields["police_agency"].queryset = police.order_by("name")
        self.fields["services"].choices = service_choices()

    def clean(self):
        data = super().clean()
        if not data.get("police_agency") and not data.get("services"):
            raise forms.ValidationError("Choose the police, a support service, or both")
        if data.get("services") and not data.get("provider"):
            self.add_error("provider", "Say who provides the services")
        if data.get("consent_given") and not data.get("consent_given_on") and "consent_given_on" not in self.errors:
            self.add_error("consent_given_on", "Enter the date they agreed")
        return data


class SafeContactEditForm(SafeContactForm):
    pass


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(label="What did they agree to?", choices=Consent.Scope.choices, widget=forms.RadioSelect,
                              error_messages={"required": "Select what they agreed to"})
    agency = forms.ModelChoiceField(label="With which partner agency", queryset=Agency.objects.all().order_by("name"),
                                    required=False, empty_label="Not a partner agency")
    with_whom = text("Or with whom (a service outside the partnership)", 200)
    given_on = date_field("Date consent was given")
    given_by = forms.ChoiceField(label="Who gave consent", choices=Consent.GivenBy.choices, initial="person")
    notes = text("Notes", 2000, rows=3, hint="Any limits they set, such as 'not to their school'.")

    def clean(self):
        data = super().clean()
        if not data.get("agency") and not data.get("with_whom"):
            self.add_error("agency", "Choose the agency, or name the service, it may go to")
        return data


class WithdrawForm(forms.Form):
    withdrawn_on = date_field("Date consent was withdrawn")
    reason = text("How and why it was withdrawn", 2000, rows=3, required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "Say how and why consent was withdrawn"


class ServiceForm(forms.Form):
    service = forms.ChoiceField(label="Service", choices=(), error_messages={"required": "Choose the service"})
    provider = text("Provider", 200, required=True, hint="The organisation or person providing it.")
    referred_on = date_field("Referral date")
    status = forms.ChoiceField(label="Status", choices=SupportService.Status.choices, initial="offered")
    outcome = text("Outcome", 2000, rows=3, hint="What came of it (needed when it has ended).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", "Choose a service")] + service_choices()
        self.fields["provider"].error_messages["required"] = "Say who provides the service"

    def clean(self):
        data = super().clean()
        if data.get("status") == "ended" and not data.get("outcome"):
            self.add_error("outcome", "Say what came of the service when it ends")
        return data


class ServiceStatusForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=SupportService.Status.choices)
    outcome = text("Outcome", 2000, rows=2)

    def clean(self):
        data = super().clean()
        if data.get("status") == "ended" and not data.get("outcome"):
            self.add_error("outcome", "Say what came of the service when it ends")
        return data


class VoiceForm(forms.Form):
    kind = forms.ChoiceField(label="Is this", choices=VoiceEntry.Kind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Say whether these are their words or a wish"})
    text = text("What they said, in their own words", settings.SAFEHUB_MAX_TEXT, rows=4, required=True,
                hint="Write it as they said it. Do not tidy or summarise it.")
    said_on = date_field("Date they said it")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].error_messages["required"] = "Write what they said, in their words"


class GoalForm(forms.Form):
    goal = text("Goal", 500, required=True, hint="In the person's words where you can.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].error_messages["required"] = "Write the goal"


class GoalProgressForm(forms.Form):
    status = forms.ChoiceField(label="How is it going?", choices=SupportGoal.Status.choices)
    progress = text("What has happened", 2000, rows=2)


class ToldForm(forms.Form):
    how = text("How they were told", 300, required=True,
               hint="For example, 'phoned on their safe number, no voicemail'.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["how"].error_messages["required"] = "Say how the victim was told"


class OperationReferenceForm(forms.Form):
    reference = forms.CharField(label="Operation reference", max_length=20,
                                help_text="As it is shown on the operation's page, for example OP-000012.",
                                error_messages={"required": "Enter the operation's reference."})

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()
