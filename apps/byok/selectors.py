"""Reads for the BYOK pages, always scoped to one organisation; never upstream.

The try order shown is upstream's routing order for one provider in one workspace: the
prioritized credentials (not fallback) by ``sort_order``, then OpenRouter's shared capacity
(unless ``is_byok_only``/``is_required`` removes it), then the fallback credentials by
``sort_order``. Shared credentials (no workspace) take part in every workspace's order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from apps.byok.models import ByokCredential
from apps.catalog.selectors import Choice, provider_names, slug_label
from apps.keys.models import Key
from apps.members.models import UpstreamMember
from apps.members.selectors import upstream_ids_of
from apps.spend.selectors.byok import BYOK_WINDOW_DAYS, byok_spend_by_provider
from apps.workspaces.selectors import workspace_names

STREAM = "byok"
SHARED = ""


@dataclass(frozen=True)
class ByokFilters:
    q: str = ""
    provider: str = ""
    workspace: str = ""  # a workspace id, or "shared"


def _sort_key(c: ByokCredential):
    return (c.sort_order, c.created_at.isoformat() if c.created_at else "", c.byok_id)


@dataclass
class Group:
    """One provider's credentials in one workspace, in the order upstream tries them."""

    provider: str
    provider_name: str
    workspace_id: str
    workspace_name: str
    prioritized: list[ByokCredential] = field(default_factory=list)
    fallback: list[ByokCredential] = field(default_factory=list)
    spend: Decimal | None = None  # BYOK spend estimate (None: not shown to this role)

    @property
    def credentials(self) -> list[ByokCredential]:
        return self.prioritized + self.fallback

    @property
    def live(self) -> list[ByokCredential]:
        return [c for c in self.credentials if not c.disabled]

    @property
    def shared_capacity(self) -> str:
        """Whether OpenRouter's own capacity on this provider sits between the two parts:
        ``"yes"``, ``"no"`` (``is_byok_only``), or ``"some"`` (``is_required``: not for the
        models those credentials cover)."""
        if any(c.is_byok_only for c in self.live):
            return "no"
        if any(c.is_required for c in self.live):
            return "some"
        return "yes"

    @property
    def key(self) -> str:
        return f"{self.provider}|{self.workspace_id}"


def _concerns(credential: ByokCredential, upstream_ids: set[str], keys: dict[str, str]) -> bool:
    """Whether a credential can carry the traffic of someone with these upstream ids and
    keys (``hash → workspace id``): live, in a workspace of theirs (or shared), and not
    restricted away from them."""
    if credential.disabled:
        return False
    hashes = set(keys)
    if credential.workspace_id and credential.workspace_id not in set(keys.values()):
        return False
    if credential.allowed_user_ids is not None and not (
        upstream_ids & set(credential.allowed_user_ids)
    ):
        return False
    return credential.allowed_api_key_hashes is None or bool(
        hashes & set(credential.allowed_api_key_hashes)
    )


def credentials_visible(organisation, user, *, see_all: bool) -> list[ByokCredential]:
    """Every credential (``see_all``), or those that can carry ``user``'s own traffic."""
    rows = list(ByokCredential.objects.filter(organisation=organisation))
    if see_all:
        return rows
    ids = upstream_ids_of(organisation, user)
    keys = dict(
        Key.objects.filter(organisation=organisation)
        .filter(Q(owner=user) | Q(creator_user_id__in=ids))
        .values_list("hash", "workspace_id")
    )
    return [c for c in rows if _concerns(c, ids, keys)]


def _matches(c: ByokCredential, f: ByokFilters, names: dict[str, str]) -> bool:
    if f.provider and c.provider != f.provider:
        return False
    if f.workspace == "shared" and c.workspace_id:
        return False
    if f.workspace and f.workspace != "shared" and c.workspace_id not in (f.workspace, SHARED):
        return False
    if q := f.q.strip().lower():
        hay = f"{c.name} {c.label} {c.provider} {names.get(c.provider, '')}".lower()
        return q in hay
    return True


def byok_groups(
    organisation, user, *, see_all: bool, with_spend: bool, filters: ByokFilters = ByokFilters()
) -> list[Group]:
    """The credentials this person may see, grouped by provider and workspace in try order,
    with each group's BYOK spend estimate when ``with_spend``. Four queries at most."""
    names = provider_names(organisation)
    workspaces = workspace_names(organisation)
    rows = [
        c
        for c in credentials_visible(organisation, user, see_all=see_all)
        if _matches(c, filters, names)
    ]
    spend = byok_spend_by_provider(organisation) if with_spend else {}
    by_provider: dict[str, list[ByokCredential]] = {}
    for c in rows:
        by_provider.setdefault(c.provider, []).append(c)
    groups: list[Group] = []
    for provider, creds in by_provider.items():
        scopes = sorted({c.workspace_id for c in creds if c.workspace_id}) or [SHARED]
        name = names.get(provider) or slug_label(provider)
        for ws in scopes:
            members = sorted((c for c in creds if c.workspace_id in (ws, SHARED)), key=_sort_key)
            group = Group(
                provider=provider,
                provider_name=name,
                workspace_id=ws,
                workspace_name=workspaces.get(ws, ws) if ws else "All workspaces",
                prioritized=[c for c in members if not c.is_fallback],
                fallback=[c for c in members if c.is_fallback],
            )
            if with_spend:
                group.spend = sum(
                    (v for (p, w), v in spend.items() if p == name and (not ws or w == ws)),
                    Decimal(0),
                )
            groups.append(group)
    groups.sort(key=lambda g: (g.provider_name.lower(), g.workspace_id != SHARED, g.workspace_name))
    return groups


def credential_count(organisation) -> int:
    return ByokCredential.objects.filter(organisation=organisation).count()


def provider_filter_choices(organisation) -> list[tuple[str, str]]:
    """The providers the organisation has credentials for, by display name."""
    names = provider_names(organisation)
    slugs = set(
        ByokCredential.objects.filter(organisation=organisation).values_list("provider", flat=True)
    )
    return sorted(((s, names.get(s) or slug_label(s)) for s in slugs), key=lambda c: c[1].lower())


def spend_window_days() -> int:
    return BYOK_WINDOW_DAYS


# --- the pickers' sources: the console's keys and members mirrors -------------------------


def key_choices(
    organisation, q: str = "", *, limit: int | None = None, include: Iterable[str] = ()
) -> list[Choice]:
    """API keys for a picker (value: the key's hash), by name; ``include`` first."""
    picked = [v for v in dict.fromkeys(include) if v]
    found = {
        k.hash: k
        for k in Key.objects.filter(organisation=organisation, hash__in=picked).only(
            "hash", "name", "workspace_name"
        )
    }

    def choice(k: Key) -> Choice:
        return Choice(k.hash, k.name, k.workspace_name or "default workspace")

    head = [choice(found[v]) if v in found else Choice(v, v[:12], v, unknown=True) for v in picked]
    qs = Key.objects.filter(organisation=organisation).exclude(hash__in=picked)
    if q := q.strip():
        qs = qs.filter(Q(name__icontains=q) | Q(label__icontains=q) | Q(hash__startswith=q))
    qs = qs.order_by("name", "id").only("hash", "name", "workspace_name")
    return head + [choice(k) for k in (qs[:limit] if limit else qs)]


def member_choices(
    organisation, q: str = "", *, limit: int | None = None, include: Iterable[str] = ()
) -> list[Choice]:
    """Upstream organisation members for a picker (value: their user id); ``include`` first."""
    picked = [v for v in dict.fromkeys(include) if v]
    found = {
        m.user_id: m
        for m in UpstreamMember.objects.filter(organisation=organisation, user_id__in=picked)
    }

    def choice(m: UpstreamMember) -> Choice:
        return Choice(m.user_id, m.label, m.email if m.email != m.label else m.user_id)

    head = [choice(found[v]) if v in found else Choice(v, v, v, unknown=True) for v in picked]
    qs = UpstreamMember.objects.filter(organisation=organisation).exclude(user_id__in=picked)
    if q := q.strip():
        qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q))
    qs = qs.order_by("name", "email")
    return head + [choice(m) for m in (qs[:limit] if limit else qs)]
