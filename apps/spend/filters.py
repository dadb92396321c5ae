"""The dashboard's filters: parsed, checked against what exists, with clear messages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta

from django.http import QueryDict

MAX_RANGE_DAYS = 366
GRANULARITIES = ("day", "week", "month")
FILTER_FIELDS = ("workspace", "model", "key", "member")


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    granularity: str = "day"
    workspace: str = ""
    model: str = ""
    key: str = ""
    member: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> Filters:
        """The same-length period just before this one."""
        return replace(
            self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1)
        )

    @property
    def narrowed(self) -> bool:
        return any(getattr(self, name) for name in FILTER_FIELDS)

    def as_query(self) -> dict[str, str]:
        data = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}
        return {k: v for k, v in data.items() if v}

    def as_session(self) -> dict[str, str]:
        return self.as_query()


def default_filters(today: date) -> Filters:
    """The last 30 completed days."""
    return Filters(start=today - timedelta(days=30), end=today - timedelta(days=1))


def filters_parse(
    data: QueryDict | dict,
    *,
    today: date,
    known: dict[str, set[str]],
    fallback: Filters,
    defaults: Filters | None = None,
) -> tuple[Filters, list[str]]:
    """``(filters, errors)``: on any error the fallback (the last valid view) comes back.

    A parameter left out takes its value from ``defaults`` (the fallback if not given).
    """
    defaults = defaults or fallback
    errors: list[str] = []
    values: dict = {}
    for name in ("start", "end"):
        raw = (data.get(name) or "").strip()
        if not raw:
            values[name] = getattr(defaults, name)
            continue
        try:
            values[name] = date.fromisoformat(raw)
        except ValueError:
            errors.append(f"“{raw}” is not a date: use YYYY-MM-DD.")
    granularity = (data.get("granularity") or defaults.granularity).strip()
    if granularity not in GRANULARITIES:
        errors.append(f"Unknown grouping “{granularity}”: choose day, week or month.")
    values["granularity"] = granularity
    for name in FILTER_FIELDS:
        raw = (data.get(name) or "").strip() if name in data else getattr(defaults, name)
        if raw and raw not in known.get(name, set()):
            errors.append(f"Unknown {name} “{raw}”: pick one from the list.")
        values[name] = raw
    if not errors:
        start, end = values["start"], values["end"]
        if start > end:
            errors.append("The start date is after the end date.")
        elif end > today:
            errors.append(
                f"The range ends in the future: the latest day is today, {today} (still partial)."
            )
        elif (end - start).days + 1 > MAX_RANGE_DAYS:
            errors.append(f"The range is too long: at most {MAX_RANGE_DAYS} days.")
    if errors:
        return fallback, errors
    return Filters(**values), []
