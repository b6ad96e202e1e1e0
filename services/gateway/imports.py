"""One import: the items of a body admitted one by one, the admitted ones published, a summary back."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Sequence

from services.gateway.admission import Admission, admit
from services.gateway.bodies import Item
from services.gateway.publishing import ACKNOWLEDGED, Delivery, message
from streams.domain.validation import Rejected

Publish = Callable[[Sequence[tuple[bytes, bytes]]], Delivery]


@dataclass(frozen=True)
class RejectedItem:
    index: int
    line: int
    reason: str
    detail: str


@dataclass
class ImportResult:
    accepted: int = 0
    rejected: list[RejectedItem] = field(default_factory=list)
    unpublished: list[Item] = field(default_factory=list)  # valid, but Kafka did not acknowledge them
    outcomes: Counter = field(default_factory=Counter)  # accepted, unpublished or a reason -> events
    error: str | None = None  # why some were unpublished


def run_import(items: Sequence[Item], admission: Admission, publish: Publish | None) -> ImportResult:
    """Admit every item; publish the admitted ones unless `publish` is None (a dry run)."""
    result = ImportResult()
    admitted = []
    for item in items:
        outcome = item.problem or admit(item.value, admission, item.text)
        if isinstance(outcome, Rejected):
            _reject(result, item, outcome)
        else:
            admitted.append((item, outcome))
    if publish is None:
        result.accepted = len(admitted)
        result.outcomes["accepted"] += len(admitted)
        return result
    delivery = publish([message(event) for _, event in admitted])
    for (item, _), delivered in zip(admitted, delivery.results):
        if delivered == ACKNOWLEDGED:
            result.accepted += 1
            result.outcomes["accepted"] += 1
        else:
            result.unpublished.append(item)
            result.outcomes["unpublished"] += 1
    result.error = delivery.error
    return result


def _reject(result: ImportResult, item: Item, rejection: Rejected) -> None:
    result.rejected.append(RejectedItem(item.index, item.line, rejection.reason, safe_detail(rejection.detail)))
    result.outcomes[rejection.reason] += 1


def safe_detail(detail: str) -> str:
    """A detail fit for a response: encodable as UTF-8 whatever the input held (Rejected has
    masked every NIK in it already)."""
    return detail.encode("utf-8", "backslashreplace").decode("utf-8")
