from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.contrib.auth.forms import SetPasswordMixin

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role


class OrganisationForm(forms.Form):
    name = forms.CharField(max_length=120)


class ConnectForm(forms.Form):
    api_key = forms.CharField(
        label="Management key",
        strip=True,
        # The key is never sent back to the browser, even when the form has errors.
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
        help_text="Create one in OpenRouter under Settings → Management keys. It is checked live, "
        "stored encrypted, and never shown again.",
    )
    base_url = forms.CharField(
        label="Upstream base URL",
        max_length=300,
        help_text="Where the OpenRouter API lives. Leave as is unless you run a proxy or the sandbox.",
    )

    def clean_base_url(self) -> str:
        # Not Django's URLValidator: internal hosts without a dot ("proxy:8080") are fine here.
        value = self.cleaned_data["base_url"].strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise forms.ValidationError("Enter a valid URL.")
        return value

    def clean_api_key(self) -> str:
        key = self.cleaned_data["api_key"]
        if any(ch.isspace() for ch in key):
            raise forms.ValidationError("A key has no spaces: check what was pasted.")
        if len(key) < 20:
            raise forms.ValidationError("That is too short to be an OpenRouter key.")
        return key


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.MEMBER,
        error_messages={"invalid_choice": "Choose one of the roles you may grant."},
    )

    def __init__(self, *args, roles: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = roles  # only the roles this person may grant


class RoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]


class SignupForm(SetPasswordMixin, forms.ModelForm):
    """Create an account while accepting an invitation."""

    password1, password2 = SetPasswordMixin.create_password_fields()

    class Meta:
        model = User
        fields = ["first_name", "last_name"]

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        if User.objects.filter(email__iexact=self.email).exists():
            raise forms.ValidationError("An account with this email exists: sign in to accept.")
        self.validate_passwords()
        self.instance.email = self.email
        self.validate_password_for_user(self.instance)
        return cleaned

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.email = self.email
        user = self.set_password_and_save(user, commit=commit)
        return user
