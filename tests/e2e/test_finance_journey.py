"""Finance signs in, filters spend by a workspace and downloads a CSV that adds up."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from apps.spend.models import SpendFact
from apps.syncs.runner import sync_run
from apps.workspaces.models import Workspace
from tests.spend.conftest import sync_activity_recorded

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_finance_filters_by_workspace_and_the_csv_total_matches_the_page(
    page: Page, live_server, organisation, finance, sandbox_account
):
    for stream in ("keys", "credits"):
        sync_run(organisation, stream)
    sync_activity_recorded(organisation, sandbox_account[0])
    workspace = Workspace.objects.get(
        organisation=organisation,
        workspace_id=SpendFact.objects.exclude(workspace_id="")
        .values_list("workspace_id", flat=True)
        .first(),
    )

    page.goto(live_server.url + reverse("accounts:login") + "?next=" + reverse("spend:dashboard"))
    page.fill("input[name=username]", finance.email)
    page.fill("input[name=password]", "correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Spend", exact=True)).to_be_visible()
    everything = page.get_by_test_id("total").inner_text()

    # Choosing a workspace is enough: the results reload and the URL says what is shown.
    page.get_by_role("combobox", name="Workspace").select_option(label=workspace.name)
    expect(page.get_by_test_id("total")).not_to_have_text(everything)
    expect(page).to_have_url(re.compile(f"workspace={workspace.workspace_id}"))
    expect(page.get_by_test_id("breakdown-workspace")).to_contain_text(workspace.name)
    page_total = Decimal(page.get_by_test_id("total").inner_text().lstrip("$").replace(",", ""))

    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    body = download_info.value.path().read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows and {r["workspace"] for r in rows} == {workspace.name}
    csv_total = sum((Decimal(r["usage_usd"]) for r in rows), Decimal(0))
    assert csv_total.quantize(Decimal("0.01")) == page_total
