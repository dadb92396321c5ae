"""What every spend page shares: settings, who sees what, labels, filter choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q

from apps.accounts.models import Membership, Organisation
from apps.accounts.roles import Perm, role_allows
from apps.keys.models import Key
from apps.members.selectors import people_labels, upstream_ids_of
from apps.spend.models import Dim, SpendFact, SpendRollupMonth, SpendSettings
from apps.spend.periods import local_today, utc_today
from apps.workspaces.selectors import workspace_names

FACT_FIELDS = {
    Dim.MODEL: "model",
    Dim.PROVIDER: "provider",
    Dim.WORKSPACE: "workspace_id",
    Dim.KEY: "key_hash",
    Dim.MEMBER: "user_id",
}
BREAKDOWNS = [Dim.MODEL, Dim.PROVIDER, Dim.WORKSPACE, Dim.KEY, Dim.MEMBER]
UNATTRIBUTED = "Unattributed"


def settings_for(organisation: Organisation) -> SpendSettings:
    obj, _ = SpendSettings.objects.get_or_create(organisation=organisation)
    return obj


def reporting_today(organisation: Organisation, now: datetime | None = None) -> date:
    """The day ranges are checked against: no later than the reporting zone's today, and
    never past upstream's last complete UTC day."""
    tz_name = settings_for(organisation).timezone
    return min(local_today(tz_name, now), utc_today(now))


# --- who sees what ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """``key_hashes=None``: everything; otherwise only these keys' spend (a member)."""

    key_hashes: frozenset[str] | None = None

    @property
    def limited(self) -> bool:
        return self.key_hashes is not None


def scope_for(membership: Membership) -> Scope:
    """Finance and admins see everything; a member only their keys: those they own in the
    keys app (their approved requests) and those their linked upstream user created."""
    if role_allows(membership.role, Perm.VIEW_SPEND):
        return Scope()
    ids = upstream_ids_of(membership.organisation, membership.user)
    hashes = Key.objects.filter(
        Q(owner=membership.user) | Q(creator_user_id__in=ids),
        organisation=membership.organisation,
    ).values_list("hash", flat=True)
    return Scope(key_hashes=frozenset(hashes))


# --- labels and filter choices ----------------------------------------------------------


@dataclass
class Labels:
    workspaces: dict[str, str]
    keys: dict[str, str]
    members: dict[str, str]

    def of(self, dim: str, value: str) -> str:
        if dim == Dim.WORKSPACE:
            return self.workspaces.get(value, value or "No workspace")
        if dim == Dim.KEY:
            return self.keys.get(value, value or UNATTRIBUTED)
        if dim == Dim.MEMBER:
            return self.members.get(value, value or UNATTRIBUTED)
        return value or "—"


def labels_for(organisation: Organisation) -> Labels:
    # The upstream directory names everyone; a console link (by hand or by email) wins.
    return Labels(
        workspaces=workspace_names(organisation),
        keys=dict(Key.objects.filter(organisation=organisation).values_list("hash", "name")),
        members=people_labels(organisation),
    )


def filter_choices(organisation: Organisation, scope: Scope, labels: Labels) -> dict:
    """Values a filter may take (``known`` for validation) with labels for the form."""
    facts = SpendFact.objects.filter(organisation=organisation)
    if scope.limited:
        facts = facts.filter(key_hash__in=scope.key_hashes)
    choices: dict[str, list[tuple[str, str]]] = {}
    keys = set(labels.keys) if not scope.limited else set(scope.key_hashes)
    # Monthly rollups hold every value ever seen, in a few rows per value.
    models = set(
        SpendRollupMonth.objects.filter(organisation=organisation, scope="", dim=Dim.MODEL)
        .values_list("value", flat=True)
        .distinct()
    )
    if scope.limited:
        models = set(facts.values_list("model", flat=True).distinct())
    workspaces = set(labels.workspaces)
    members = set(
        SpendRollupMonth.objects.filter(organisation=organisation, scope="", dim=Dim.MEMBER)
        .exclude(value="")
        .values_list("value", flat=True)
        .distinct()
    )
    if scope.limited:
        members = set()
    choices["workspace"] = sorted(
        ((w, labels.of(Dim.WORKSPACE, w)) for w in workspaces), key=lambda x: x[1]
    )
    choices["model"] = sorted((m, m) for m in models)
    choices["key"] = sorted(((k, labels.of(Dim.KEY, k)) for k in keys), key=lambda x: x[1])
    choices["member"] = sorted(((m, labels.of(Dim.MEMBER, m)) for m in members), key=lambda x: x[1])
    return choices
