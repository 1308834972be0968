from django import forms

from safehub.accounts.models import Agency, IdentityProvider, Role, User


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


def _is_loopback(host):
    return host in ("127.0.0.1", "localhost", "::1")


class ProviderForm(forms.Form):
    """An agency's OpenID Connect provider. The client secret is never shown back: blank keeps the stored one."""

    agency = forms.ModelChoiceField(label="Agency", queryset=Agency.objects.all(), empty_label="Choose an agency",
                                    error_messages={"required": "Choose the agency whose staff sign in here"})
    name = forms.CharField(label="Name on the button", max_length=100,
                           help_text="People see \u201cSign in with\u201d and this name.",
                           error_messages={"required": "Enter the name shown on the button"})
    issuer = forms.URLField(label="Issuer URL", max_length=300, assume_scheme="https",
                            help_text="For Microsoft Entra ID: https://login.microsoftonline.com/<tenant id>/v2.0",
                            error_messages={"required": "Enter the issuer URL",
                                            "invalid": "Enter a URL like https://login.example.org/tenant/v2.0"})
    client_id = forms.CharField(label="Client ID", max_length=200, error_messages={"required": "Enter the client ID"})
    client_secret = forms.CharField(label="Client secret", max_length=500, required=False,
                                    widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))
    scopes = forms.CharField(label="Scopes", max_length=300, initial="openid profile email offline_access",
                             error_messages={"required": "Enter the scopes, starting with openid"})
    role_claim = forms.CharField(label="Claim holding the role", max_length=100, initial="roles",
                                 error_messages={"required": "Enter the name of the claim holding the role"})
    role_map = forms.CharField(label="Role mapping", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                               help_text="One a line: the claim's value, an equals sign, the Safehub role "
                                         "(for example Safehub.Screener = screener).")
    trust_provider_mfa = forms.BooleanField(label="The provider enforces multi-factor sign-in: accept its "
                                                  "word instead of Safehub's security code", required=False)
    mfa_amr_values = forms.CharField(label="amr values that mean multi-factor", max_length=200, required=False,
                                     initial="mfa otp hwk")
    mfa_acr_values = forms.CharField(label="acr values that mean multi-factor", max_length=300, required=False)
    is_active = forms.BooleanField(label="Show this provider on the sign-in page", required=False, initial=True)

    def __init__(self, *args, provider=None, **kwargs):
        self.provider = provider
        if provider is not None and "initial" not in kwargs:
            role_map = "\n".join(f"{value} = {role}" for value, role in provider.role_map.items())
            kwargs["initial"] = {**{name: getattr(provider, name) for name in self.base_fields
                                    if name not in ("client_secret", "role_map", "agency")},
                                 "agency": provider.agency_id, "role_map": role_map}
        super().__init__(*args, **kwargs)
        self.fields["client_secret"].help_text = (
            "Stored, never shown again. Leave blank to keep the current secret." if provider else "")

    def clean_issuer(self):
        from urllib.parse import urlsplit

        issuer = self.cleaned_data["issuer"]
        if urlsplit(issuer).scheme != "https" and not _is_loopback(urlsplit(issuer).hostname or ""):
            raise forms.ValidationError("The issuer URL must start with https://")
        others = IdentityProvider.objects.filter(issuer=issuer).exclude(pk=getattr(self.provider, "pk", None))
        if others.exists():
            raise forms.ValidationError("Another provider has that issuer URL")
        return issuer

    def clean_agency(self):
        agency = self.cleaned_data["agency"]
        others = IdentityProvider.objects.filter(agency=agency).exclude(pk=getattr(self.provider, "pk", None))
        if others.exists():
            raise forms.ValidationError("That agency already has a provider")
        return agency

    def clean_client_secret(self):
        secret = self.cleaned_data["client_secret"]
        if not secret and self.provider is None:
            raise forms.ValidationError("Enter the client secret")
        return secret

    def clean_scopes(self):
        scopes = " ".join(self.cleaned_data["scopes"].split())
        if "openid" not in scopes.split():
            raise forms.ValidationError("The scopes must include openid")
        return scopes

    def clean_role_map(self):
        mapping = {}
        for number, line in enumerate(self.cleaned_data["role_map"].splitlines(), start=1):
            if not line.strip():
                continue
            value, equals, role = (part.strip() for part in line.rpartition("="))
            if not equals or not value or role not in Role.values:
                raise forms.ValidationError(
                    f"Line {number}: write the claim's value, =, and one of {', '.join(Role.values)}")
            mapping[value] = role
        return mapping


class LinkIdentityForm(forms.Form):
    username = forms.CharField(label="Username of their Safehub account", max_length=150,
                               error_messages={"required": "Enter the username of their Safehub account"})

    def __init__(self, *args, identity, **kwargs):
        self.identity = identity
        super().__init__(*args, **kwargs)

    def clean_username(self):
        person = User.objects.filter(username__iexact=self.cleaned_data["username"].strip()).first()
        if person is None:
            raise forms.ValidationError("There is no account with that username")
        return person


class ApproveIdentityForm(forms.Form):
    username = forms.SlugField(label="Username for the new account", max_length=150,
                               error_messages={"required": "Enter a username",
                                               "invalid": "Use only letters, numbers, hyphens and underscores"})
    role = forms.ChoiceField(label="Role", choices=[("", "Choose a role"), *Role.choices],
                             error_messages={"required": "Choose their role"})

    def __init__(self, *args, identity, **kwargs):
        self.identity = identity
        super().__init__(*args, **kwargs)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken")
        return username
