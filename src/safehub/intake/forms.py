"""Question-page forms for the public report and the professional referral. Messages follow GOV.UK style."""

import re

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from safehub.intake.models import Contact
from safehub.intake.selectors import phone_is_valid_text, registration_is_valid_text

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?( ?[0-9][A-Z]{2})?$")


def text(label, max_length=200, hint="", required=False, rows=None):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=hint,
        widget=widget,
        error_messages={"max_length": format_lazy(_("{label} must be {max_length} characters or fewer"), label=label,
                                                  max_length=f"{max_length:,}")},
    )


class SectionForm(forms.Form):
    """A form for one item in a list section; an item with every field blank is skipped."""

    def is_blank(self):
        return not any((self.data.get(self.add_prefix(name)) or "").strip() for name in self.fields)


class ConcernForm(forms.Form):
    concern = text(_("What worries you?"), settings.SAFEHUB_MAX_TEXT, required=True, rows=8,
                   hint=_("Tell us what you have seen, heard or been told, even if it is just a suspicion."))
    when_happened = text(_("When did this happen?"), 500, hint=_("For example, 'last Friday evening' or 'since the summer'."))

    def __init__(self, *args, non_recent=False, **kwargs):
        super().__init__(*args, **kwargs)
        if non_recent:
            self.fields["concern"].label = _("What happened to you?")
            self.fields["concern"].help_text = _("Tell us as much or as little as you want to. You can stop at any time.")
            self.fields["when_happened"].label = _("Roughly when did it happen?")
            self.fields["when_happened"].help_text = _("For example, 'around 2004, when I was 14'.")
        self.fields["concern"].error_messages["required"] = (
            _("Tell us what happened") if non_recent else _("Tell us what worries you")
        )


class ChildForm(SectionForm):
    name = text(_("Name, if you know it"))
    description = text(_("What they look like or anything else that would help us find them"), 1000, rows=3)
    age = text(_("Age or rough age"), 40, hint=_("For example, 14 or 'about 14'."))
    school = text(_("School, if you know it"))
    where_seen = text(_("Where they were seen"), 500)

    def clean_age(self):
        age = self.cleaned_data["age"].strip()
        numbers = [int(n) for n in re.findall(r"\d+", age)]
        if any(n > 25 for n in numbers):
            raise forms.ValidationError(_("Enter an age of 25 or under, like 14 or 'about 14'"))
        return age

    def clean(self):
        data = super().clean()
        if not self.is_blank() and not (data.get("name") or data.get("description") or data.get("age")):
            raise forms.ValidationError(_("Enter the child's name, or describe them, or give their rough age"))
        return data


class PersonForm(SectionForm):
    name = text(_("Name, if you know it"))
    nicknames = text(_("Nicknames or street names"), 300, hint=_("Separate several with commas."))
    description = text(_("What they look like, or anything else about them"), 1000, rows=3)


class VehicleForm(SectionForm):
    registration = text(_("Registration number (number plate)"), 12,
                        hint=_("Give as much as you know. Use ? for characters you do not know, like AB12 C??."))
    make = text(_("Make and model"), 100, hint=_("For example, silver Ford Focus."))
    colour = text(_("Colour"), 50)
    description = text(_("Anything else about the vehicle"), 500)

    def clean_registration(self):
        value = self.cleaned_data["registration"].strip()
        if value and not registration_is_valid_text(value):
            raise forms.ValidationError(_("Registration numbers use only letters, numbers and spaces, up to 8 characters. "
                "Use ? for characters you do not know, like AB12 C??"))
        return value


class PhoneForm(SectionForm):
    number = text(_("Phone number"), 40, hint=_("Give as much as you know. Use ? for digits you do not know, like 07700 900???."))
    whose = text(_("Whose number is it?"), 200)

    def clean_number(self):
        value = self.cleaned_data["number"].strip()
        if value and not phone_is_valid_text(value):
            raise forms.ValidationError(_("Enter a phone number using digits, like 07700 900123, with ? for digits you do not know"))
        return value

    def clean(self):
        data = super().clean()
        if not self.is_blank() and not data.get("number") and "number" not in self.errors:
            self.add_error("number", _("Enter the phone number, or remove this phone"))
        return data


class HandleForm(SectionForm):
    username = text(_("Username or profile name"), 200, hint=_("For example, @example_user."))
    app = text(_("App or website"), 100, hint=_("For example, Snapchat, Instagram or TikTok."))

    def clean(self):
        data = super().clean()
        if not self.is_blank() and not data.get("username") and "username" not in self.errors:
            self.add_error("username", _("Enter the username, or remove this account"))
        return data


class PlaceForm(SectionForm):
    address = text(_("Address or name of the place"), 500)
    postcode = text(_("Postcode, if you know it"), 10, hint=_("A part postcode like TF1 is fine."))
    description = text(_("Describe the place"), 1000, rows=3, hint=_("For example, 'the car park behind the takeaway on the high street'."))

    def clean_postcode(self):
        value = re.sub(r"\s+", " ", self.cleaned_data["postcode"].strip().upper())
        if value and not POSTCODE.match(value):
            raise forms.ValidationError(_("Enter a real postcode, like TF1 1AA, or the first part, like TF1"))
        return value


class AboutYouForm(forms.Form):
    anonymous = forms.TypedChoiceField(
        label=_("Do you want to tell us who you are?"),
        choices=[("no", _("No, I want to stay anonymous")), ("yes", _("Yes, I will give my name and contact details"))],
        widget=forms.RadioSelect,
        coerce=lambda value: value == "no",
        error_messages={"required": _("Select whether you want to tell us who you are")},
    )
    name = text(_("Your name"), 200)
    email = forms.EmailField(label=_("Email address"), required=False, max_length=254,
                             help_text=_("We will only email you to say your report was looked at."),
                             error_messages={"invalid": _("Enter an email address in the correct format, like name@example.com")})
    phone = text(_("Phone number"), 40)
    relationship = text(_("How do you know the child?"), 200, hint=_("For example, neighbour, parent, teacher, friend."))
    withhold_from_family = forms.BooleanField(label=_("Do not tell the family my name"), required=False)

    def __init__(self, *args, non_recent=False, **kwargs):
        super().__init__(*args, **kwargs)
        if non_recent:
            self.fields["relationship"].widget = forms.HiddenInput()
            self.fields["withhold_from_family"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        if data.get("anonymous") is False:
            if not data.get("name"):
                self.add_error("name", _("Enter your name"))
            if not data.get("email") and not data.get("phone") and "email" not in self.errors:
                self.add_error("email", _("Enter an email address or a phone number so we can contact you"))
            if data.get("phone") and not phone_is_valid_text(data["phone"]):
                self.add_error("phone", _("Enter a phone number using digits, like 07700 900123"))
        return data


class ReferralDetailsForm(forms.Form):
    role = text("Your role", 200, required=True, hint="For example, designated safeguarding lead.")
    family_knows = text("What do the child and family know about this referral?", 2000, rows=3, required=True)
    consent = forms.ChoiceField(
        label="Consent or lawful basis for sharing",
        choices=Contact.Consent.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether consent was given or which lawful basis applies"},
    )
    consent_reason = text("Why consent was not sought or was overridden", 2000, rows=3,
                          hint="For example, asking would put the child at risk.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].error_messages["required"] = "Enter your role"
        self.fields["family_knows"].error_messages["required"] = "Say what the child and family know about this referral"

    def clean(self):
        data = super().clean()
        if data.get("consent") in {"not_sought", "refused"} and not data.get("consent_reason"):
            self.add_error("consent_reason", "Say why consent was not sought or was overridden")
        return data


class WhoForm(forms.Form):
    route = forms.ChoiceField(
        label=_("Who is your concern about?"),
        choices=[
            ("public", _("A child or young person")),
            ("non_recent", _("Myself, about abuse that happened to me when I was a child")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select who your concern is about")},
    )


class PassphraseForm(forms.Form):
    passphrase = forms.CharField(
        label=_("Choose a passphrase"), max_length=200, strip=False,
        help_text=_("12 characters or more. Three or four random words you will remember work well, like "
                  "'kettle orange bicycle'. Do not use your name or a password you use elsewhere."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Enter a passphrase"), "max_length": _("Your passphrase must be 200 characters or fewer")})
    confirm = forms.CharField(
        label=_("Enter the passphrase again"), max_length=200, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Enter the passphrase again"), "max_length": _("Your passphrase must be 200 characters or fewer")})

    def __init__(self, *args, reference="", **kwargs):
        super().__init__(*args, **kwargs)
        self.reference = reference

    def clean_passphrase(self):
        from safehub.intake.actions import check_new_passphrase

        try:
            return check_new_passphrase(self.cleaned_data["passphrase"], self.reference)
        except forms.ValidationError:
            raise
        except Exception as error:  # a django.core ValidationError from the action
            raise forms.ValidationError(" ".join(getattr(error, "messages", [str(error)]))) from error

    def clean(self):
        data = super().clean()
        if data.get("passphrase") and data.get("confirm") is not None and data["passphrase"] != data["confirm"]:
            self.add_error("confirm", _("The passphrases do not match: enter the same passphrase twice"))
        return data


REFERENCE = re.compile(r"^SH-\d{4}-\d{6,}$")


class ReturnForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference number"), max_length=20, help_text=_("For example, SH-2026-000123."),
        error_messages={"required": _("Enter your reference number"),
                        "max_length": _("Enter your reference number as it was given, like SH-2026-000123")})
    passphrase = forms.CharField(
        label=_("Passphrase"), max_length=200, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your passphrase"), "max_length": _("Your passphrase is 200 characters or fewer")})

    def clean_reference(self):
        value = re.sub(r"\s+", "", self.cleaned_data["reference"]).upper()
        if not REFERENCE.match(value):
            raise forms.ValidationError(_("Enter your reference number as it was given, like SH-2026-000123"))
        return value


class AdditionForm(forms.Form):
    """What a reporter adds to their report: more words, and at most one of each detail per visit."""

    more = text(_("What do you want to add or correct?"), settings.SAFEHUB_MAX_TEXT, rows=6,
                hint=_("More details, something you remembered, or a correction to what you told us."))
    registration = VehicleForm.base_fields["registration"]
    vehicle = text(_("The vehicle: make, model and colour"), 200, hint=_("For example, silver Ford Focus."))
    number = text(_("Phone number"), 40, hint=_("Use ? for digits you do not know, like 07700 900???."))
    whose = text(_("Whose number is it?"), 200)
    person_name = text(_("A person's name, if you know it"), 200)
    nicknames = text(_("Their nicknames or street names"), 300, hint=_("Separate several with commas."))
    place = text(_("A place: address or name"), 500)
    postcode = text(_("Postcode, if you know it"), 10)

    clean_registration = VehicleForm.clean_registration
    clean_number = PhoneForm.clean_number
    clean_postcode = PlaceForm.clean_postcode

    def clean(self):
        data = super().clean()
        if not self.errors and not any((data.get(name) or "").strip() for name in self.fields):
            raise forms.ValidationError(_("Tell us what you want to add"))
        if data.get("whose") and not data.get("number") and "number" not in self.errors:
            self.add_error("number", _("Enter the phone number, or leave 'Whose number is it?' empty"))
        return data

    def as_draft(self):
        d = self.cleaned_data
        draft = {"text": d.get("more", _(""))}
        if d.get("registration") or d.get("vehicle"):
            draft["vehicles"] = [{"registration": d.get("registration", _("")), "make": d.get("vehicle", _(""))}]
        if d.get("number"):
            draft["phones"] = [{"number": d["number"], "whose": d.get("whose", _(""))}]
        if d.get("person_name") or d.get("nicknames"):
            draft["people"] = [{"name": d.get("person_name", _("")), "nicknames": d.get("nicknames", _(""))}]
        if d.get("place") or d.get("postcode"):
            draft["places"] = [{"address": d.get("place", _("")), "postcode": d.get("postcode", _(""))}]
        return draft


class WantsForm(forms.Form):
    wants = forms.ChoiceField(
        label=_("What would you like to happen?"),
        choices=[("police", _("I want to report it to the police")),
                 ("support", _("I want support, without reporting it to the police for now")),
                 ("heard", _("I want to be heard: to tell someone what happened"))],
        widget=forms.RadioSelect,
        help_text=_("You can change your mind later. Whatever you choose, we can put you in touch with support."),
        error_messages={"required": _("Select what you would like to happen")},
    )


class OthersForm(forms.Form):
    other_victims = forms.ChoiceField(
        label=_("Do you know of anyone else this happened to?"),
        choices=[("yes", _("Yes")), ("no", _("No")), ("not_sure", _("I am not sure"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select whether you know of anyone else this happened to")},
    )
    other_victims_details = text(_("Tell us about them, if you want to"), 2000, rows=4,
                                 hint=_("For example, a name, a nickname or where you knew them from."))


class SafeContactForm(forms.Form):
    safe_phone = text(_("A phone number that is safe to call"), 40, hint=_("Leave this empty if you do not want us to phone you."))
    no_phone = forms.BooleanField(label=_("Do not phone me"), required=False)
    safe_times = text(_("When is it safe to contact you?"), 300, hint=_("For example, 'weekdays between 10am and 2pm'."))
    no_voicemail = forms.BooleanField(label=_("Do not leave voicemail messages"), required=False)
    no_letters = forms.BooleanField(label=_("Do not send letters to my home"), required=False)
    safe_email = forms.EmailField(label=_("An email address that is safe to use"), required=False, max_length=254,
                                  error_messages={"invalid": _("Enter an email address in the correct format, like name@example.com")})
    preferred_name = text(_("What name should we use for you?"), 200)
    pronouns = text(_("Your pronouns, if you want to tell us"), 50, hint=_("For example, she/her, he/him or they/them."))
    language = text(_("Which language would you like us to use?"), 100)
    interpreter = forms.BooleanField(label=_("I need an interpreter"), required=False)
    other = text(_("Anything else we should know to contact you safely"), 1000, rows=3)

    def clean(self):
        data = super().clean()
        if data.get("no_phone") and data.get("safe_phone"):
            self.add_error("safe_phone", _("Remove the phone number, or untick 'Do not phone me'"))
        if data.get("safe_phone") and not phone_is_valid_text(data["safe_phone"]):
            self.add_error("safe_phone", _("Enter a phone number using digits, like 07700 900123"))
        if data.get("safe_phone") and "?" in data["safe_phone"]:
            self.add_error("safe_phone", _("Enter the whole phone number, like 07700 900123"))
        return data
