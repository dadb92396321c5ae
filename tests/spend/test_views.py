from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.keys.models import Key
from apps.spend.models import SpendFact
from apps.spend.services.sync import activity_window
from apps.syncs.models import SyncState

pytestmark = pytest.mark.django_db

READ_PAGES = ["spend:credits", "spend:alerts", "spend:statement"]


def _csv_total(response) -> tuple[Decimal, list[dict]]:
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    return sum((Decimal(r["usage_usd"]) for r in rows), Decimal(0)), rows


def test_finance_sees_the_whole_dashboard_without_any_upstream_call(
    client_for, finance, synced, no_upstream
):
    response = client_for(finance).get(reverse("spend:dashboard"))
    assert response.status_code == 200
    data = response.context["data"]
    assert data.total > 0 and not response.context["scope"].limited
    assert b'data-testid="breakdown-key"' in response.content
    assert b"vendor/chartjs/chart.umd.min.js" in response.content
    assert no_upstream == []


def test_dashboard_htmx_request_gets_only_the_results_partial(
    client_for, finance, synced, no_upstream
):
    response = client_for(finance).get(reverse("spend:dashboard"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'id="results"' in response.content and b"<html" not in response.content


def test_outsider_sees_nothing_of_this_organisations_spend(
    client_for, outsider, synced, organisation
):
    response = client_for(outsider).get(reverse("spend:dashboard"))
    assert response.status_code == 200
    assert response.context["data"].total == 0
    ws = SpendFact.objects.filter(organisation=organisation).exclude(workspace_id="").first()
    response = client_for(outsider).get(reverse("spend:dashboard"), {"workspace": ws.workspace_id})
    assert response.context["errors"]  # another organisation's workspace is unknown here


@pytest.mark.parametrize("page", READ_PAGES)
def test_member_is_refused_finance_pages(client_for, member, synced, page):
    assert client_for(member).get(reverse(page)).status_code == 403


@pytest.mark.parametrize("page", READ_PAGES)
def test_finance_reads_every_spend_page_with_no_upstream_call(
    client_for, finance, synced, no_upstream, page
):
    client = client_for(finance)
    assert client.get(reverse(page)).status_code == 200
    assert client.get(reverse(page), HTTP_HX_REQUEST="true").status_code == 200
    assert no_upstream == []


def test_member_sees_only_their_own_keys_spend(
    client_for, member, synced, member_identity, no_upstream
):
    own = set(Key.objects.filter(creator_user_id=member_identity).values_list("hash", flat=True))
    response = client_for(member).get(reverse("spend:dashboard"))
    assert response.status_code == 200
    data = response.context["data"]
    assert {r.value for r in data.breakdowns["key"]} <= own
    expected = sum(
        SpendFact.objects.filter(
            key_hash__in=own, date__range=(data.filters.start, data.filters.end)
        ).values_list("usage_micros", flat=True)
    )
    assert data.total == Decimal(expected) / 1_000_000
    everyone = sum(
        SpendFact.objects.filter(date__range=(data.filters.start, data.filters.end)).values_list(
            "usage_micros", flat=True
        )
    )
    assert expected < everyone


def test_member_sees_spend_of_keys_they_own_in_the_keys_app(
    client_for, member, synced, no_upstream
):
    # No upstream identity: the key is theirs because their key request was approved.
    spent = SpendFact.objects.exclude(key_hash="").values_list("key_hash", flat=True).first()
    Key.objects.filter(organisation=synced, hash=spent).update(owner=member)
    response = client_for(member).get(reverse("spend:dashboard"))
    assert response.status_code == 200
    data = response.context["data"]
    assert {r.value for r in data.breakdowns["key"]} == {spent}
    expected = sum(
        SpendFact.objects.filter(
            key_hash=spent, date__range=(data.filters.start, data.filters.end)
        ).values_list("usage_micros", flat=True)
    )
    assert expected > 0
    assert data.total == Decimal(expected) / 1_000_000


def test_member_without_keys_sees_no_spend(client_for, member, synced):
    response = client_for(member).get(reverse("spend:dashboard"))
    assert response.context["data"].total == 0


def test_member_cannot_filter_to_someone_elses_key(client_for, member, synced, member_identity):
    other = Key.objects.exclude(creator_user_id=member_identity).first()
    response = client_for(member).get(reverse("spend:dashboard"), {"key": other.hash})
    assert response.context["errors"]
    assert response.context["data"].filters.key == ""


def test_member_export_contains_only_their_keys(client_for, member, synced, member_identity):
    own_names = set(
        Key.objects.filter(creator_user_id=member_identity).values_list("name", flat=True)
    )
    _total, rows = _csv_total(client_for(member).get(reverse("spend:export")))
    assert rows and {r["key"] for r in rows} <= own_names


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "after the end date"),
        ({"end": "2999-01-01"}, "in the future"),
        ({"start": "2026-03-10", "end": "2026-03-01", "granularity": "fortnight"}, "grouping"),
        ({"start": "2020-01-01"}, "too long"),
        ({"model": "nobody/nothing"}, "Unknown model"),
        ({"start": "yesterday"}, "not a date"),
    ],
)
def test_bad_filters_show_a_message_and_the_last_valid_view(
    client_for, finance, synced, params, message
):
    client = client_for(finance)
    days = activity_window()
    good = {"start": days[3].isoformat(), "end": days[10].isoformat()}
    client.get(reverse("spend:dashboard"), good)
    response = client.get(reverse("spend:dashboard"), {**good, **params})
    assert response.status_code == 422  # refused: shown in place, not a broken page
    assert any(message in e for e in response.context["errors"])
    shown = response.context["data"].filters
    assert (shown.start, shown.end) == (days[3], days[10])
    # The form keeps what was typed, the results say why they are the last valid view.
    for name, value in params.items():
        assert response.context["typed"][name] == value
    partial = client.get(reverse("spend:dashboard"), {**good, **params}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 422
    body = partial.content.decode()
    assert body.startswith('\n<div id="results">') or 'id="results"' in body[:200]
    assert "<html" not in body and 'data-testid="filter-errors"' in body


def test_today_is_accepted_as_an_end_date_and_said_to_be_partial(client_for, finance, synced):
    from apps.spend.selectors import reporting_today

    today = reporting_today(synced)
    response = client_for(finance).get(
        reverse("spend:dashboard"),
        {"start": (today - timedelta(days=3)).isoformat(), "end": today.isoformat()},
    )
    assert response.status_code == 200 and not response.context["errors"]
    assert b'data-testid="partial-day"' in response.content


def test_remembered_filters_say_so_and_clear_resets_them(client_for, finance, synced):
    client = client_for(finance)
    model = SpendFact.objects.first().model
    client.get(reverse("spend:dashboard"), {"model": model})
    remembered = client.get(reverse("spend:dashboard"))
    assert (
        remembered.context["filters_active"]
        and b'data-testid="filters-active"' in remembered.content
    )
    cleared = client.get(reverse("spend:dashboard"), {"clear": "1"})
    assert not cleared.context["filters_active"] and cleared.context["filters"].model == ""
    assert not client.get(reverse("spend:dashboard")).context["filters_active"]


def test_csv_export_total_equals_the_dashboard_total(client_for, finance, synced, no_upstream):
    client = client_for(finance)
    ws = SpendFact.objects.exclude(workspace_id="").values_list("workspace_id", flat=True).first()
    page = client.get(reverse("spend:dashboard"), {"workspace": ws})
    export = client.get(reverse("spend:export"), {"workspace": ws})
    assert export["Content-Type"].startswith("text/csv")
    total, _rows = _csv_total(export)
    assert total.quantize(Decimal("0.01")) == page.context["data"].total.quantize(Decimal("0.01"))
    assert total == page.context["data"].total


def test_export_with_bad_filters_redirects_with_a_message(client_for, finance, synced):
    response = client_for(finance).get(reverse("spend:export"), {"start": "nope"})
    assert response.status_code == 302


def test_stale_banner_when_no_recent_successful_sync(client_for, finance, synced):
    SyncState.objects.filter(stream="credits").update(last_success_at=None)
    response = client_for(finance).get(reverse("spend:dashboard"))
    assert b'data-testid="stale-banner"' in response.content


def test_admin_saves_settings_and_finance_cannot(client_for, admin, finance, synced):
    data = {"timezone": "Europe/Paris", "low_balance_threshold": "25", "alert_thresholds": "90, 50"}
    assert client_for(finance).post(reverse("spend:settings"), data).status_code == 403
    response = client_for(admin).post(reverse("spend:settings"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    settings_obj = synced.spend_settings
    settings_obj.refresh_from_db()
    assert (settings_obj.timezone, settings_obj.alert_thresholds) == ("Europe/Paris", "50,90")


def test_settings_reject_bad_thresholds(client_for, admin, synced):
    data = {"timezone": "UTC", "low_balance_threshold": "-1", "alert_thresholds": "lots"}
    response = client_for(admin).post(reverse("spend:settings"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="settings-form"' in body and "<html" not in body
    assert "whole percentages" in body and 'value="lots"' in body  # kept as typed
    superscript = {**data, "low_balance_threshold": "5", "alert_thresholds": "\u00b2"}
    assert client_for(admin).post(reverse("spend:settings"), superscript).status_code == 422


def test_credits_page_shows_balance_burn_and_runway(client_for, finance, synced):
    response = client_for(finance).get(reverse("spend:credits"))
    runway = response.context["runway"]
    assert runway.balance is not None and runway.burn_7 > 0
    assert runway.days_left == int(runway.balance / runway.burn_7)
    assert (
        b"credits last about" in response.content.lower() or b"Not enough data" in response.content
    )


def test_a_negative_balance_reads_out_of_credits(client_for, finance, synced):
    from apps.spend.models import CreditSnapshot

    latest = CreditSnapshot.objects.filter(organisation=synced).first()
    CreditSnapshot.objects.filter(pk=latest.pk).update(
        total_usage=latest.total_credits + Decimal("40.44")
    )
    body = client_for(finance).get(reverse("spend:credits")).content.decode()
    assert "-$40.44" in body and "$-" not in body
    assert "Out of credits" in body and ">0 days<" not in body


def test_monthly_statement_page_and_csv_agree(client_for, finance, synced):
    day = activity_window()[-1]
    ws = SpendFact.objects.filter(date=day).exclude(workspace_id="").first().workspace_id
    params = {"workspace": ws, "month": day.strftime("%Y-%m")}
    client = client_for(finance)
    page = client.get(reverse("spend:statement"), params)
    assert page.status_code == 200
    _total, rows = _csv_total(client.get(reverse("spend:statement_csv"), params))
    assert rows[-1]["model"] == "TOTAL"
    assert Decimal(rows[-1]["usage_usd"]) == page.context["statement"].total
    assert sum(Decimal(r["usage_usd"]) for r in rows[:-1]) == page.context["statement"].total


def test_statement_rejects_a_bad_month(client_for, finance, synced):
    response = client_for(finance).get(
        reverse("spend:statement"), {"workspace": "x", "month": "13-2026"}
    )
    assert response.status_code == 422
    assert b'data-testid="statement-errors"' in response.content


@pytest.mark.parametrize("typed", ["November 2026", "Nov 2026", "2026/11", "2026-11"])
def test_statement_month_accepts_what_people_type(typed):
    from apps.spend.forms import parse_month

    assert parse_month(typed) == "2026-11"
    assert parse_month("Smarch 2026") is None and parse_month("2026-13") is None


def test_member_sees_budgets_page_scoped_to_them(client_for, member, synced):
    client = client_for(member)
    assert client.get(reverse("spend:budgets")).context["scope"].limited
    partial = client.get(reverse("spend:budgets"), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and b'id="lines"' in partial.content


def test_week_and_month_grouping_keep_the_total(client_for, finance, synced):
    client = client_for(finance)
    totals = set()
    for g in ("day", "week", "month"):
        data = client.get(reverse("spend:dashboard"), {"granularity": g}).context["data"]
        totals.add(sum(r.usage for r in data.series))
        assert sum(r.usage for r in data.series) == data.total
    assert len(totals) == 1


def test_previous_period_comparison_uses_the_same_length(client_for, finance, synced):
    days = activity_window()
    response = client_for(finance).get(
        reverse("spend:dashboard"), {"start": days[15].isoformat(), "end": days[-1].isoformat()}
    )
    data = response.context["data"]
    prev = data.filters.previous
    assert prev.end == days[14] and prev.days == data.filters.days
    expected = sum(
        SpendFact.objects.filter(date__range=(prev.start, prev.end)).values_list(
            "usage_micros", flat=True
        )
    )
    assert data.previous_total == Decimal(expected) / 1_000_000
    assert data.filters.end - data.filters.start == timedelta(days=14)


def test_a_plain_visit_restores_the_last_view_but_a_link_means_what_it_says(
    client_for, finance, synced
):
    client = client_for(finance)
    days = activity_window()
    model = SpendFact.objects.first().model
    client.get(
        reverse("spend:dashboard"),
        {"model": model, "start": days[2].isoformat(), "end": days[9].isoformat()},
    )
    restored = client.get(reverse("spend:dashboard")).context["data"].filters
    assert (restored.model, restored.start) == (model, days[2])
    linked = (
        client.get(reverse("spend:dashboard"), {"start": days[2].isoformat()})
        .context["data"]
        .filters
    )
    assert linked.model == ""


def test_long_breakdowns_show_the_top_rows_and_one_row_for_the_rest(client_for, finance, synced):
    from apps.spend.templatetags.spend_tags import TOP_ROWS, breakdown_list

    data = client_for(finance).get(reverse("spend:dashboard")).context["data"]
    data.breakdowns["key"] = data.breakdowns["key"] * 5  # more rows than the table shows
    shown = {dim: rows for dim, _title, rows in breakdown_list(data)}["key"]
    assert len(shown) == TOP_ROWS + 1 and shown[-1].label.startswith("All ")
    assert sum(r.usage for r in shown) == sum(r.usage for r in data.breakdowns["key"])


def test_the_no_upstream_guard_really_catches_a_gateway_call(organisation, no_upstream):
    from apps.gateway import account as gateway_account

    with pytest.raises(AssertionError, match="called upstream"):
        gateway_account.credits_get(organisation)
    assert no_upstream == ["call"]


def test_admin_links_a_member_to_their_upstream_user_and_the_member_then_sees_their_keys(
    client_for, admin, member, synced
):
    from apps.accounts.models import Membership
    from apps.audit.models import AuditEntry

    creator = Key.objects.exclude(creator_user_id="").first().creator_user_id
    membership = Membership.objects.get(user=member, organisation=synced)
    client = client_for(admin)
    assert client.get(reverse("spend:identities")).status_code == 200
    response = client.post(
        reverse("spend:identity_set", args=[membership.pk]),
        {"upstream_user_id": creator},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and b'id="identities"' in response.content
    assert AuditEntry.objects.filter(action="member.identity_set").exists()
    assert client_for(member).get(reverse("spend:dashboard")).context["data"].total > 0


def test_linking_refuses_unknown_upstream_users_and_other_roles(
    client_for, admin, finance, member, synced
):
    from apps.accounts.models import Membership

    membership = Membership.objects.get(user=member, organisation=synced)
    url = reverse("spend:identity_set", args=[membership.pk])
    refused = client_for(admin).post(
        url, {"upstream_user_id": "user_nobody"}, HTTP_HX_REQUEST="true"
    )
    assert refused.status_code == 422 and "Unknown upstream user" in refused.headers["HX-Trigger"]
    assert client_for(finance).post(url, {"upstream_user_id": ""}).status_code == 403
    assert client_for(finance).get(reverse("spend:identities")).status_code == 403


def test_linking_a_member_of_another_organisation_is_a_404(
    client_for, admin, outsider, synced, other_organisation
):
    from apps.accounts.models import Membership

    theirs = Membership.objects.get(user=outsider, organisation=other_organisation)
    response = client_for(admin).post(
        reverse("spend:identity_set", args=[theirs.pk]), {"upstream_user_id": ""}
    )
    assert response.status_code == 404


def test_nav_links_every_member_to_spend_labelled_my_spend_without_view_spend(
    client, client_for, member, finance, organisation
):
    link = f'href="{reverse("spend:dashboard")}"'
    as_member = client_for(member).get(reverse("dashboard:home")).content.decode()
    assert link in as_member and ">My spend</a>" in as_member
    as_finance = client_for(finance).get(reverse("dashboard:home")).content.decode()
    assert link in as_finance and ">Spend</a>" in as_finance
    assert ">My spend</a>" not in as_finance
    # Signed out there is no organisation, so no link.
    assert link not in client.get(reverse("accounts:login")).content.decode()


def test_credits_page_links_to_openrouters_purchase_page_and_offers_no_coinbase(
    client_for, finance, synced, no_upstream
):
    body = client_for(finance).get(reverse("spend:credits")).content.decode()
    assert 'href="https://openrouter.ai/settings/credits"' in body
    assert "410" in body  # says why the console does not buy credits itself
    assert "credits/coinbase" not in body and no_upstream == []
