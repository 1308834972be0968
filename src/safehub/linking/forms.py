from django import forms

from safehub.linking.models import PersonLink


class JudgementForm(forms.Form):
    judgement = forms.ChoiceField(
        label="Are these the same person?", widget=forms.RadioSelect,
        choices=[(PersonLink.Judgement.CONFIRMED, "Yes: confirm the link"),
                 (PersonLink.Judgement.REJECTED, "No: reject the link (they will be kept apart)")],
        error_messages={"required": "Choose confirm or reject"})
    reason = forms.CharField(label="Why", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Give the reason for your judgement",
                                             "max_length": "The reason must be 2,000 characters or fewer"})


class MarkForm(forms.Form):
    reason = forms.CharField(label="Why", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Give the reason",
                                             "max_length": "The reason must be 2,000 characters or fewer"})
