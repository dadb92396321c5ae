"""Who is acting, and from where: passed from views and tasks down to services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest

    from apps.accounts.models import Organisation, User


@dataclass(frozen=True)
class Actor:
    organisation: Organisation
    user: User | None = None
    ip_address: str | None = None
    user_agent: str = ""
    system_label: str = "system"

    @property
    def label(self) -> str:
        return self.user.email if self.user is not None else self.system_label

    @classmethod
    def from_request(cls, request: HttpRequest, organisation: Organisation | None = None) -> Actor:
        return cls(
            organisation=organisation or request.organisation,
            user=request.user if request.user.is_authenticated else None,
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )

    @classmethod
    def system(cls, organisation: Organisation, label: str = "system") -> Actor:
        return cls(organisation=organisation, system_label=label)
