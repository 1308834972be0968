from django import forms

from safehub.cases.forms import date_field, text_field


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision", widget=forms.RadioSelect,
        choices=[("retain", "Keep it, and review it again"),
                 ("dispose", "Dispose of it: delete its content for good (a line stays in the disposal log)")],
        error_messages={"required": "Choose whether to keep the record or dispose of it"})
    reason = text_field("Reason", max_length=2000,
                        help_text="Why it is still needed, or why it is no longer needed (at least 10 characters)")
    next_review_on = date_field("Next review, if kept", required=False,
                                help_text="Leave blank for the schedule's interval. For example, 27/3/2031")
