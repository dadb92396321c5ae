from __future__ import annotations

import re

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.contrib.auth.forms import SetPasswordMixin

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.gateway.addresses import allowed_base_urls, base_url_problem


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ", ".join(allowed_base_urls())
        self.fields["base_url"].help_text += f" This console may connect to: {allowed}."

    def clean_base_url(self) -> str:
        # The allowlist (apps.gateway.addresses): no other host is ever asked, so the form
        # cannot be used to probe the console's network.
        value = self.cleaned_data["base_url"].strip().rstrip("/")
        problem = base_url_problem(value)
        if problem is not None:
            raise forms.ValidationError(problem)
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


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form, with the console's labels and field names (``username``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Email address"
        self.fields["login"].widget.attrs.update({"autocomplete": "email", "autofocus": True})
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["password"].help_text = ""  # the page links to the reset form itself
        self.fields["password"].widget.attrs.pop("placeholder", None)

    def add_prefix(self, field_name: str) -> str:
        # The email field keeps the name the console's sign-in form has always posted.
        return super().add_prefix("username" if field_name == "login" else field_name)


_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SSO_ROLE_CHOICES = [(value, label) for value, label in Role.choices if value != Role.OWNER]


class SecurityForm(forms.Form):
    require_2fa = forms.BooleanField(
        label="Require two-factor authentication",
        required=False,
        help_text="Members without an authenticator app are asked to set one up before they "
        "can use this organisation.",
    )
    sso_domains = forms.CharField(
        label="SSO email domains",
        required=False,
        max_length=500,
        help_text="People with these addresses who sign in through single sign-on join this "
        "organisation the first time. Separate domains with spaces or commas.",
    )
    sso_default_role = forms.ChoiceField(
        label="Role for people who join by SSO", choices=SSO_ROLE_CHOICES, initial=Role.MEMBER
    )

    def clean_sso_domains(self) -> list[str]:
        domains = []
        for raw in re.split(r"[\s,]+", self.cleaned_data["sso_domains"].strip().lower()):
            domain = raw.lstrip("@").rstrip(".")
            if not domain:
                continue
            if not _DOMAIN.match(domain):
                raise forms.ValidationError(f"{raw} is not a domain name (example.com).")
            if domain not in domains:
                domains.append(domain)
        return domains
