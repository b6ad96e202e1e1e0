"""The one client of the workers' HTTP pages (/status, /history): fetched, summed across workers, checked.

Each worker counts only the partitions it owns, so every figure here is summed over all the
workers given before anything is derived from it (the domain's `region_figures`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta

from streams.domain.trajectory import PACE_WINDOW_DAYS, RegionFigures, StatusThresholds, pace_per_day, region_figures


class WorkerUnavailable(Exception):
    """The workers cannot answer this; the message says why in one sentence."""


def _get(url: str, address: str, timeout: float) -> dict:
    try:
        with urllib.request.urlopen(address, timeout=timeout) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        try:
            reason = json.load(error)["error"]
        except (ValueError, KeyError):
            reason = f"HTTP {error.code}"
        raise WorkerUnavailable(f"the worker at {url} refused: {reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise WorkerUnavailable(f"no answer from worker at {url} ({error}); is `ucj worker` running?") from None


def status_of(url: str) -> dict:
    """One worker's /status page, as it answered."""
    return _get(url, url.rstrip("/") + "/status", timeout=10)


def processed(status: dict, topic: str, targets: dict[int, int]) -> int:
    """Messages of `topic` the worker of this /status has processed, counted up to the targets."""
    done = {partition: offset for name, partition, offset in status["next_offsets"] if name == topic}
    return sum(min(done.get(p, 0), end) for p, end in targets.items())


@dataclass(frozen=True)
class StatusRow:
    name: str
    figures: RegionFigures  # from the summed counts; its status is the region stage's (with the pace rule), None until it judges
    outlook: dict | None  # pace, ETA and the status, from the region stage


def collect_status(urls: list[str]) -> tuple[list[StatusRow], str]:
    """Add up the workers' counts, then derive the figures once from the totals.

    The status is the one the region stage judged, with the pace rule (`outlook.status`): the
    counts of one worker alone have no pace, so no status is derived from them here."""
    active: dict[str, int] = defaultdict(int)
    meta: dict[str, dict] = {}
    outlooks: dict[str, dict] = {}
    for url in urls:
        body = status_of(url)
        day, thresholds = body["day"], StatusThresholds(**body["thresholds"])
        for region in body["regions"]:
            active[region["region"]] += region["active"]
            meta[region["region"]] = region
            if region.get("outlook"):
                outlooks[region["region"]] = region["outlook"]
    rows = []
    for code in sorted(meta, key=lambda c: (meta[c]["level"] != "province", c)):
        m = meta[code]
        outlook = outlooks.get(code)
        figures = region_figures(code, active[code], m["workforce"], m["planned"], thresholds)
        rows.append(StatusRow(m["name"], replace(figures, status=(outlook or {}).get("status")), outlook))
    return rows, day


@dataclass(frozen=True)
class History:
    region: str
    name: str
    rows: list[RegionFigures]  # one per day, in order
    days: list[str]


def history_of(url: str, region: str, first: date | None, last: date | None) -> dict:
    """One worker's /history page of a region, as it answered."""
    params = {
        "region": region,
        **({"from": first.isoformat()} if first else {}),
        **({"to": last.isoformat()} if last else {}),
    }
    return _get(url, f"{url.rstrip('/')}/history?{urllib.parse.urlencode(params)}", timeout=30)


def collect_history(urls: list[str], region: str, first: date | None = None, last: date | None = None) -> History:
    """Sum the workers' histories (each counts only the partitions it owns) from `first` to
    `last`, defaulting to the 90 days to the workers' today. The PACE_WINDOW_DAYS before `first`
    are read too, so each day's status has the pace rule, as the region stage applies it."""
    if last is None:
        last = date.fromisoformat(history_of(urls[0], region, None, None)["days"][-1]["day"])
    first = first or last - timedelta(days=90)
    if first > last:
        raise WorkerUnavailable(f"--from ({first}) is after --to ({last})")
    bodies = [history_of(url, region, first - timedelta(days=PACE_WINDOW_DAYS), last) for url in urls]
    return combine_histories(bodies, urls, shown_from=PACE_WINDOW_DAYS)


def combine_histories(bodies: list[dict], urls: list[str], shown_from: int = 0) -> History:
    """The summed days, from the `shown_from`-th on: the days before only give the first ones a pace."""
    owners: dict[int, str] = {}
    for url, body in zip(urls, bodies):
        for partition in body["partitions"]:
            if partition in owners:
                raise WorkerUnavailable(
                    f"partition {partition} is owned by both {owners[partition]} and {url}: a rebalance is under way, ask again"
                )
            owners[partition] = url
    count = bodies[0]["partition_count"]
    missing = sorted(set(range(count)) - set(owners))
    if missing:
        raise WorkerUnavailable(
            f"no worker given owns partition(s) {', '.join(map(str, missing))} of {count}: give every worker's --url "
            "(a worker that is still recovering owns none yet)"
        )
    days = [d["day"] for d in bodies[0]["days"]]
    if any([d["day"] for d in body["days"]] != days for body in bodies):
        raise WorkerUnavailable("the workers answered for different days (one of them turned midnight): ask again")
    thresholds = StatusThresholds(**bodies[0]["thresholds"])
    region = bodies[0]["region"]
    actives = [sum(body["days"][i]["active"] for body in bodies) for i in range(len(days))]
    rows = [
        region_figures(region, actives[i], day["workforce"], day["planned"], thresholds, pace_per_day(actives[: i + 1]))
        for i, day in enumerate(bodies[0]["days"])
    ]
    return History(region, bodies[0]["name"], rows[shown_from:], days[shown_from:])
