from django import forms

from safehub.accounts.models import Agency, Role, User


class PersonForm(forms.Form):
    username = forms.SlugField(label="Username", max_length=150,
                               error_messages={"required": "Enter a username", "invalid": "Use only letters, numbers, hyphens and underscores"})
    first_name = forms.CharField(label="First name", max_length=150, error_messages={"required": "Enter their first name"})
    last_name = forms.CharField(label="Last name", max_length=150, error_messages={"required": "Enter their last name"})
    email = forms.EmailField(label="Work email", error_messages={"required": "Enter their work email",
                                                                 "invalid": "Enter an email address like name@example.org"})
    agency = forms.ModelChoiceField(label="Agency", queryset=Agency.objects.all(), empty_label="Choose an agency",
                                    error_messages={"required": "Choose their agency"})
    role = forms.ChoiceField(label="Role", choices=Role.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose their role"})
    job_title = forms.CharField(label="Job title", max_length=200, required=False)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken")
        return username


class AgencyForm(forms.Form):
    code = forms.SlugField(label="Short code", max_length=30, help_text="For example, HEALTH2.",
                           error_messages={"required": "Enter a short code"})
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the agency's name"})
    kind = forms.ChoiceField(label="Kind", choices=Agency.Kind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose the kind of agency"})

    def clean_code(self):
        code = self.cleaned_data["code"].upper()
        if Agency.objects.filter(code=code).exists():
            raise forms.ValidationError("That code is taken")
        return code

    def clean_name(self):
        name = self.cleaned_data["name"]
        if Agency.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError("An agency with that name exists")
        return name
