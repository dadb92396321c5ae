from __future__ import annotations

import calendar
import re
import zoneinfo

from django import forms

from apps.core.parse import plain_int
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
        values = [plain_int(p, digits=4) for p in raw.split(",") if p.strip()]
        if not values or not all(v is not None and 1 <= v <= 1000 for v in values):
            raise forms.ValidationError("Use whole percentages between 1 and 1000, e.g. 50,80,100.")
        return ",".join(str(v) for v in sorted(set(values)))


_MONTH_NAMES = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}


def parse_month(text: str) -> str | None:
    """``2026-11``, ``2026/11``, ``November 2026``, ``Nov 2026`` → ``"2026-11"`` (else None)."""
    text = " ".join(text.replace(",", " ").split())
    numeric = re.fullmatch(r"(\d{4})[-/](\d{1,2})", text)
    if numeric:
        year, month = int(numeric[1]), int(numeric[2])
    else:
        named = re.fullmatch(r"([A-Za-z]+)\.? (\d{4})", text)
        if not named or named[1].lower() not in _MONTH_NAMES:
            return None
        year, month = int(named[2]), _MONTH_NAMES[named[1].lower()]
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        return None
    return f"{year:04d}-{month:02d}"


class StatementForm(forms.Form):
    workspace = forms.ChoiceField()
    month = forms.CharField(
        max_length=20,
        help_text="A month with spend, e.g. 2026-11 or November 2026.",
        widget=forms.TextInput(attrs={"list": "statement-months", "autocomplete": "off"}),
    )

    def __init__(self, *args, workspaces: list[tuple[str, str]], months=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workspace"].choices = workspaces
        self.months = list(months)

    def clean_month(self) -> str:
        month = parse_month(self.cleaned_data["month"])
        if month is None:
            raise forms.ValidationError("Give a month like 2026-11 or November 2026.")
        return month
