from datetime import date

from streams.domain.fold import Contribution
from streams.domain.regions import Region, RegionTree
from streams.metrics import RegionCollector
from streams.reference import Reference

TREE = RegionTree.from_regions(
    [
        Region("61", None, "province", "Kalimantan Barat"),
        Region("61.07", "61", "regency", "Bengkayang"),
        Region("61.07.01", "61.07", "district", "D"),
        Region("61.07.01.2001", "61.07.01", "village", "V"),
    ]
)
REFERENCE = Reference(TREE, lambda year: {"61.07": 1000}, {"61": [(date(2025, 1, 1), 0.5)]})
COUNTS = [(Contribution("61.07.01.2001", "BPU", "assisted"), 300), (Contribution("61.07", "PU", "self_paid"), 200)]


def collect(complete: bool, levels=("province", "regency", "district")) -> dict:
    collector = RegionCollector(lambda: COUNTS, lambda: REFERENCE, lambda: date(2025, 6, 1), lambda: complete, levels)
    return {family.name: family.samples for family in collector.collect()}


def values(samples, **labels):
    return [s.value for s in samples if all(s.labels.get(k) == v for k, v in labels.items())]


def test_active_participants_by_region_level_segment_and_funding():
    families = collect(complete=True)
    active = families["ucj_active_participants"]
    assert sum(values(active, region="61")) == 500
    assert values(active, region="61.07", segment="BPU", funding="assisted") == [300]
    assert sum(values(active, region="61.07.01")) == 300
    assert values(active, region="61.07.01.2001") == []  # villages are opt-in
    assert len(values(active, region="61")) == 8  # every segment x funding, zeros included


def test_ratios_and_status_when_every_partition_is_counted_here():
    families = collect(complete=True)
    assert values(families["ucj_coverage_ratio"], region="61.07") == [0.5]
    assert values(families["ucj_gap_ratio"], region="61.07") == [0.0]
    assert values(families["ucj_region_status"], region="61.07", status="on_track") == [1.0]
    assert values(families["ucj_coverage_ratio"], region="61.07.01") == []  # no workforce figure


def test_a_worker_with_some_partitions_exports_no_ratios():
    families = collect(complete=False)
    assert sum(values(families["ucj_active_participants"], region="61")) == 500
    assert values(families["ucj_planned_ratio"], region="61.07") == [0.5]
    assert families["ucj_coverage_ratio"] == [] and families["ucj_region_status"] == []


def test_village_series_when_asked():
    families = collect(complete=True, levels=("village",))
    assert sum(values(families["ucj_active_participants"], region="61.07.01.2001")) == 300
