from django import forms

from safehub.access.models import LawfulBasis, Restriction
from safehub.access.policy import AGENCY_READER_ROLES
from safehub.accounts.models import Agency, User


class ShareForm(forms.Form):
    prefix = "share"  # these forms share the record page with the screening forms: keep their ids apart
    agency = forms.ModelChoiceField(label="Share with", queryset=Agency.objects.all(), empty_label="Choose an agency",
                                    error_messages={"required": "Choose the agency to share with"})
    purpose = forms.CharField(label="Purpose", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": "Say why the record is shared"})
    lawful_basis = forms.ChoiceField(label="Lawful basis", choices=LawfulBasis.choices, widget=forms.RadioSelect,
                                     error_messages={"required": "Choose the lawful basis for sharing"})
    expires_on = forms.DateField(label="Share ends on (optional)", required=False, help_text="For example, 2027-03-31.",
                                 error_messages={"invalid": "Enter the end date as YYYY-MM-DD, like 2027-03-31"})

    def __init__(self, *args, owner_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.exclude(pk=owner_id)


class RevokeForm(forms.Form):
    reason = forms.CharField(label="Why is the share revoked?", max_length=2000,
                             error_messages={"required": "Say why the share is revoked"})


class TransferForm(forms.Form):
    prefix = "transfer"
    to_agency = forms.ModelChoiceField(label="Transfer to", queryset=Agency.objects.all(), empty_label="Choose an agency",
                                       error_messages={"required": "Choose the agency to transfer to"})
    reason = forms.CharField(label="Why should the record move?", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Say why the record should move to another agency"})

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = agencies


class RestrictForm(forms.Form):
    prefix = "restrict"
    reason_kind = forms.ChoiceField(label="Why restrict this record?", choices=Restriction.Reason.choices,
                                    widget=forms.RadioSelect,
                                    error_messages={"required": "Choose why the record is restricted"})
    reason = forms.CharField(label="Details", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Give the reason for the restriction"})
    allowed_users = forms.ModelMultipleChoiceField(label="Who may still open it", queryset=User.objects.none(),
                                                   widget=forms.CheckboxSelectMultiple, required=False,
                                                   help_text="You are always on the list.")

    def __init__(self, *args, agency_id=None, roles=tuple(sorted(AGENCY_READER_ROLES)), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allowed_users"].queryset = User.objects.filter(
            agency_id=agency_id, is_active=True, is_system=False, role__in=roles
        ).order_by("last_name")


class BreakGlassForm(forms.Form):
    reason = forms.CharField(label="Why do you need to open this record now?", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="Your name, the time and this reason are recorded and reviewed.",
                             error_messages={"required": "Give the reason you need to open this restricted record"})
