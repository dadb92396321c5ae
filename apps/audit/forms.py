from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from apps.audit.selectors import AuditFilters


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=254)
    action = forms.CharField(required=False, max_length=64)
    target = forms.CharField(required=False, max_length=128)
    date_from = forms.DateField(required=False, label="From")
    date_to = forms.DateField(required=False, label="To")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        today = timezone.localdate()
        if start and start > today + timedelta(days=1):
            self.add_error("date_from", "That date is in the future.")
        return cleaned

    def filters(self) -> AuditFilters:
        if not self.is_valid():
            return AuditFilters()
        return AuditFilters(**{k: v for k, v in self.cleaned_data.items() if v not in (None, "")})
