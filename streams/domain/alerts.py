"""Alert transitions on topic ucj.coverage-alerts, schema ucj.coverage-alert/1 (public contract).

An alert is one episode of a region being off track (kind `coverage_status`) or heading for
a lapse cliff (kind `lapse_cliff`). Its `alert_id` is stable over the episode; each
transition of it (raised, updated on escalation, resolved) has its own `transition_id`,
which consumers use as the idempotency key of a delivery.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any

from .trajectory import Outlook, RegionFigures

ALERT_SCHEMA = "ucj.coverage-alert/1"
KINDS = ("coverage_status", "lapse_cliff")
TRANSITIONS = ("raised", "updated", "resolved")


@dataclass(frozen=True, kw_only=True)
class AlertFigures:
    """A region's figures at the moment of the transition (design note, "Gap figures")."""

    day: date
    active: int
    workforce: int | None
    coverage: float | None  # ratio, 0..1
    planned: float | None  # ratio, 0..1
    gap_pp: float | None  # percentage points, planned - coverage
    gap_workers: int | None  # negative when ahead of plan
    pace_per_day: float | None  # net change in active participants per day, trailing 30 days
    target_date: date | None  # the next plan point after `day`
    target_ratio: float | None
    eta: date | None  # when coverage reaches the target at the current pace; None when pace <= 0
    required_pace_per_day: float | None  # workers missing at the target date / days left
    enrollments_needed_per_month: int | None
    months_left: float | None
    budget_idr: int | None  # gap_workers x ASSISTANCE_IDR_PER_WORKER_MONTH x months left


def alert_figures(day: date, figures: RegionFigures, outlook: Outlook) -> AlertFigures:
    """The contract's figures on `day`, each read by its name from the region's figures or its
    outlook (trajectory.py computes them all): a figure joins the alerts by being declared above."""
    values: dict[str, Any] = {
        name: getattr(outlook if hasattr(outlook, name) else figures, name)
        for name in (f.name for f in fields(AlertFigures))
        if name != "day"
    }
    return AlertFigures(day=day, **values)


@dataclass(frozen=True, kw_only=True)
class LapseCliff:
    """Active participants whose coverage ends within `horizon_days` with nothing after it."""

    horizon_days: int
    participants: int
    by_payer: dict[str, int]  # payer_id, or "self_paid"
    first_end: date | None
    coverage_after: float | None
    status_after: str


@dataclass(frozen=True, kw_only=True)
class HistoryPoint:
    day: date
    coverage: float | None
    planned: float | None


@dataclass(frozen=True, kw_only=True)
class AlertTransition:
    alert_id: str  # "<kind>:<region_code>:<episode>", the same for every transition of the episode
    transition_id: str  # "<alert_id>:<sequence>"
    sequence: int  # 1 for raised, then 2, 3, ...
    kind: str  # one of KINDS
    transition: str  # one of TRANSITIONS
    region_code: str
    region_name: str
    level: str  # province, regency, district
    regency_code: str | None  # None for the province
    status: str  # the region's status now (on_track once resolved)
    previous_status: str | None
    at: datetime  # when the transition was decided
    figures: AlertFigures
    lapse_cliff: LapseCliff | None = None
    history: tuple[HistoryPoint, ...] = field(default=())  # trailing days, oldest first, for charts

    @property
    def key(self) -> bytes:
        return self.region_code.encode()


def alert_to_wire(alert: AlertTransition) -> dict[str, Any]:
    body = _jsonable(asdict(alert))
    body["history"] = [[p["day"], p["coverage"], p["planned"]] for p in body["history"]]
    return {"schema": ALERT_SCHEMA, **body}


def alert_from_wire(body: dict[str, Any]) -> AlertTransition:
    if body.get("schema") != ALERT_SCHEMA:
        raise ValueError(f"not a {ALERT_SCHEMA} body: schema={body.get('schema')!r}")
    figures = body["figures"]
    cliff = body.get("lapse_cliff")
    return AlertTransition(
        alert_id=body["alert_id"],
        transition_id=body["transition_id"],
        sequence=body["sequence"],
        kind=body["kind"],
        transition=body["transition"],
        region_code=body["region_code"],
        region_name=body["region_name"],
        level=body["level"],
        regency_code=body["regency_code"],
        status=body["status"],
        previous_status=body["previous_status"],
        at=datetime.fromisoformat(body["at"]),
        figures=AlertFigures(
            **{
                **figures,
                "day": date.fromisoformat(figures["day"]),
                "target_date": _date_or_none(figures["target_date"]),
                "eta": _date_or_none(figures["eta"]),
            }
        ),
        lapse_cliff=None if cliff is None else LapseCliff(**{**cliff, "first_end": _date_or_none(cliff["first_end"])}),
        history=tuple(
            HistoryPoint(day=date.fromisoformat(day), coverage=coverage, planned=planned)
            for day, coverage, planned in body.get("history", ())
        ),
    )


def _date_or_none(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
