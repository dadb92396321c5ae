from __future__ import annotations

import zoneinfo

from django import forms

from apps.spend.models import SpendSettings


def _zones() -> list[tuple[str, str]]:
    return [(z, z) for z in sorted(zoneinfo.available_timezones()) if "/" in z or z == "UTC"]


class SpendSettingsForm(forms.ModelForm):
    timezone = forms.ChoiceField(
        label="Reporting time zone",
        choices=_zones,
        help_text="Used for “today” and printed times. Upstream reports whole UTC days, so "
        "daily figures stay UTC days.",
    )

    class Meta:
        model = SpendSettings
        fields = ["timezone", "low_balance_threshold", "alert_thresholds"]
        labels = {
            "low_balance_threshold": "Low-balance threshold (USD)",
            "alert_thresholds": "Alert thresholds (%)",
        }
        help_texts = {"alert_thresholds": "Comma-separated percentages, e.g. 50,80,100."}

    def clean_low_balance_threshold(self):
        value = self.cleaned_data["low_balance_threshold"]
        if value < 0:
            raise forms.ValidationError("The threshold cannot be negative.")
        return value

    def clean_alert_thresholds(self) -> str:
        raw = self.cleaned_data["alert_thresholds"]
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        if not parts or not all(p.isdigit() and 1 <= int(p) <= 1000 for p in parts):
            raise forms.ValidationError("Use whole percentages between 1 and 1000, e.g. 50,80,100.")
        return ",".join(str(v) for v in sorted({int(p) for p in parts}))


class StatementForm(forms.Form):
    workspace = forms.ChoiceField()
    month = forms.RegexField(
        regex=r"^\d{4}-(0[1-9]|1[0-2])$", error_messages={"invalid": "Use YYYY-MM."}
    )

    def __init__(self, *args, workspaces: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workspace"].choices = workspaces
