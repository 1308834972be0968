from django import forms


class PasswordStepForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150,
                               error_messages={"required": "Enter your username"})
    password = forms.CharField(label="Password", max_length=200, widget=forms.PasswordInput(render_value=False),
                               error_messages={"required": "Enter your password"})


class CodeStepForm(forms.Form):
    code = forms.RegexField(
        label="Security code",
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        help_text="The 6-digit code from your authenticator app.",
        error_messages={"required": "Enter the 6-digit security code", "invalid": "Enter the 6 digits of the security code"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
