"""Who may change a participant: a source with regions only changes participants inside them.

The gateway keeps an event's own region inside its source's regions, but a participant is
known by a pseudonym across the province: a village source that knows a NIK could otherwise
lapse, re-enrol or move any worker of Kalbar. So the worker, which knows each participant's
current region (that of the last event in fold order), refuses a scoped source's event for a
participant who is elsewhere, unless the event is an enrollment into the source's own regions:
a worker moving into its villages. A participant the worker does not know yet is nobody's.
A source whose regions include the province (or that the registry does not know: a trusted
direct feed) keeps full rights.

The decision is taken as each event arrives, against the state then, like a dead letter: the
events of one participant arrive in the order of their partition, so a replay decides the same.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from .events import ParticipantEnrolled, ParticipantEvent
from .regions import RegionTree
from .validation import NOT_OWNED, Rejected


class Owners:
    """The regions of the sources whose rights end at them, from the registry's sources
    (revoked ones too: their events stay in the topic and are read again on a replay)."""

    def __init__(self, tree: RegionTree, regions_of: Mapping[str, Iterable[str]] = {}):
        self.tree = tree
        # a source with the province among its regions, or with none, has full rights
        self._regions = {
            source: frozenset(regions)
            for source, regions in regions_of.items()
            if regions and not any(code in tree and tree.level_of(code) == "province" for code in regions)
        }

    def scoped(self, source: str) -> bool:
        return source in self._regions

    def inside(self, source: str, region_code: str) -> bool:
        """Whether the region is one of the source's regions or below one: always for a source with
        full rights, never for a region the registry no longer has."""
        regions = self._regions.get(source)
        if regions is None:
            return True
        return region_code in self.tree and not regions.isdisjoint(self.tree.self_and_ancestors(region_code))


NOBODY = Owners(RegionTree({}))  # no scoped source: every source has full rights


def refusal(event: ParticipantEvent, current_region: str | None, owners: Owners) -> Rejected | None:
    """Why the event's source may not change its participant, now in `current_region`; None if it may."""
    source = event.source
    if current_region is None or owners.inside(source, current_region):
        return None
    if isinstance(event, ParticipantEnrolled) and owners.inside(source, event.region_code):
        return None  # a move into the source's regions
    return Rejected(
        NOT_OWNED,
        f"source {source} may change only participants inside its regions, or enrol one into them; "
        f"this participant is in {current_region}",
    )
