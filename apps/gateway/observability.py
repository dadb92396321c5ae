"""Calls on observability (broadcast) destinations (``/observability/destinations``).

Config secrets only ever go up; upstream answers them masked, and the console keeps none of it.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any

from openrouter import components
from pydantic import ValidationError

from apps.gateway.core import call, credentials_for
from apps.gateway.paging import offset_all

if TYPE_CHECKING:
    from apps.accounts.models import Organisation

PAGE_SIZE = 100


def _literal_values(annotation) -> tuple[str, ...]:
    if typing.get_origin(annotation) is typing.Literal:
        return tuple(typing.get_args(annotation))
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is typing.Literal:
            return tuple(typing.get_args(arg))
    return ()


# The destination types POST accepts, as the SDK (the source of truth) lists them.
DESTINATION_TYPES: tuple[str, ...] = _literal_values(
    components.CreateObservabilityDestinationRequestType
)


def config_model(kind: str) -> type | None:
    """The SDK's config model of one destination type (its fields, aliases and defaults)."""
    camel = "".join(part.capitalize() for part in kind.split("-"))
    return getattr(components, f"Observability{camel}DestinationConfig", None)


def literal_choices(annotation) -> tuple[str, ...]:
    return _literal_values(annotation)


_RULE = components.ObservabilityFilterRuleGroup.model_fields["rules"].annotation.__args__[0]
# What a filter rule may test, and how (the SDK's enums).
FILTER_FIELDS: tuple[str, ...] = _literal_values(_RULE.model_fields["field"].annotation)
FILTER_OPERATORS: tuple[str, ...] = _literal_values(_RULE.model_fields["operator"].annotation)


def filter_rules_shape(value: dict) -> dict:
    """``value`` as the SDK's filter-rules model reads it (a ``ValueError`` naming the first
    problem otherwise), dumped back to plain JSON."""
    try:
        parsed = components.ObservabilityFilterRulesConfig.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{where}: {first['msg']}") from None
    return parsed.model_dump(mode="json", exclude_none=True)


def destinations_list(organisation: Organisation, *, workspace_id: str | None = None) -> list:
    """One workspace's destinations (upstream lists the default workspace when none)."""
    return offset_all(
        credentials_for(organisation),
        lambda sdk, o, n: sdk.observability.list(offset=o, limit=n, workspace_id=workspace_id),
        page_size=PAGE_SIZE,
    )


def destination_get(organisation: Organisation, destination_id: str) -> Any:
    return call(
        credentials_for(organisation), lambda sdk: sdk.observability.get(id=destination_id)
    ).data


def destination_create(organisation: Organisation, *, type_: str, **fields: Any) -> Any:
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.observability.create(type_=type_, **fields),
        idempotent=False,
    ).data


def destination_update(organisation: Organisation, destination_id: str, **changes: Any) -> Any:
    """PATCH: omitted fields are kept; ``config`` is merged upstream (unset keys kept)."""
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.observability.update(id=destination_id, **changes),
    ).data


def destination_delete(organisation: Organisation, destination_id: str) -> bool:
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.observability.delete(id=destination_id),
        idempotent=False,
    ).DELETED
