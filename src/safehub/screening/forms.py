from django import forms

from safehub.intake.models import Contact


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(
        label="Priority (BRAG)",
        choices=Contact.Priority.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a priority"},
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What happens next?",
        choices=Contact.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happens next"},
    )
    reason = forms.CharField(
        label="Reason for the decision",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The referrer sees this if they are a professional. Members of the public never see it.",
        error_messages={"required": "Give the reason for the decision",
                        "max_length": "The reason must be 5,000 characters or fewer"},
    )


class FloodBatchForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "The reason must be 2,000 characters or fewer"},
    )
