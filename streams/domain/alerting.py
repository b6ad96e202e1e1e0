"""When an alert is raised, updated and resolved (design note, "Alert events").

The book holds the open alerts and how many episodes each (kind, region) has had. It is a
fold over the transitions already published, so a worker rebuilds it by reading the alerts
topic and then never publishes a transition that is already there. Hold times in progress
are kept in memory only: after a restart, a hold starts again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

SEVERITY = {"on_track": 0, "behind": 1, "critical": 2}

Key = tuple[str, str]  # (kind, region_code)


@dataclass(frozen=True)
class OpenAlert:
    alert_id: str
    sequence: int  # of the last transition
    status: str  # the worst status notified in this episode


@dataclass(frozen=True)
class Decision:
    kind: str
    region_code: str
    transition: str  # raised, updated, resolved
    status: str
    previous_status: str
    alert_id: str
    sequence: int

    @property
    def transition_id(self) -> str:
        return f"{self.alert_id}:{self.sequence}"


@dataclass
class AlertBook:
    open: dict[Key, OpenAlert] = field(default_factory=dict)
    episodes: dict[Key, int] = field(default_factory=dict)
    _holding: dict[Key, tuple[str, datetime]] = field(default_factory=dict)  # key -> (transition, since)

    def record(self, kind: str, region_code: str, transition: str, alert_id: str, sequence: int, status: str) -> None:
        """Fold one published transition into the book."""
        key = (kind, region_code)
        self._holding.pop(key, None)
        if transition == "resolved":
            self.open.pop(key, None)
            return
        if transition == "raised":
            self.episodes[key] = self.episodes.get(key, 0) + 1
        previous = self.open.get(key)
        worst = status if previous is None or SEVERITY[status] > SEVERITY[previous.status] else previous.status
        self.open[key] = OpenAlert(alert_id, sequence, worst)

    def evaluate(self, kind: str, region_code: str, status: str, now: datetime, hold: timedelta) -> Decision | None:
        """The transition due for this status now, if any; record() it once it is published.

        Raising and resolving wait until the status has held for `hold`; an escalation of an
        open alert is published at once. An improvement short of on_track changes nothing.
        """
        key = (kind, region_code)
        current = self.open.get(key)
        if current is None:
            if status == "on_track":
                self._holding.pop(key, None)
                return None
            if self._held(key, "raised", now, hold):
                alert_id = f"{kind}:{region_code}:{self.episodes.get(key, 0) + 1}"
                return Decision(kind, region_code, "raised", status, "on_track", alert_id, 1)
            return None
        if status == "on_track":
            if self._held(key, "resolved", now, hold):
                return Decision(
                    kind, region_code, "resolved", status, current.status, current.alert_id, current.sequence + 1
                )
            return None
        self._holding.pop(key, None)
        if SEVERITY[status] > SEVERITY[current.status]:
            return Decision(
                kind, region_code, "updated", status, current.status, current.alert_id, current.sequence + 1
            )
        return None

    def _held(self, key: Key, transition: str, now: datetime, hold: timedelta) -> bool:
        pending, since = self._holding.get(key, (None, now))
        if pending != transition:
            since = now
            self._holding[key] = (transition, since)
        return now - since >= hold
