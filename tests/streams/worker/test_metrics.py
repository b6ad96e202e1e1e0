from collections import Counter
from datetime import date

from streams.domain.fold import Contribution
from streams.domain.regions import Region, RegionTree
from streams.partials import HISTORY_DAYS, RegionTotals
from streams.reference import Reference
from streams.stage import region_report
from streams.worker.metrics import RegionCollector

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


DAY = date(2025, 6, 1)
# what the region stage summed from every partition
TOTALS = RegionTotals(
    Counter({("BPU", "assisted"): 300, ("PU", "self_paid"): 200}),
    [440] * (HISTORY_DAYS - 30) + [470] * 29 + [500],
    {"APBDES": (25, date(2025, 6, 30)), "APBD-61.07": (1, date(2025, 7, 1))},
)
REPORTS = {code: region_report(code, TOTALS, REFERENCE, DAY) for code in ("61", "61.07", "61.07.01")}


def collect(complete: bool, levels=("province", "regency", "district")) -> dict:
    reports = REPORTS if complete else None
    collector = RegionCollector(lambda: COUNTS, lambda: REFERENCE, lambda: DAY, lambda: reports, levels)
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


def test_ratios_status_and_outlook_come_from_the_region_stage():
    families = collect(complete=True)
    assert values(families["ucj_coverage_ratio"], region="61.07") == [0.5]
    assert values(families["ucj_gap_ratio"], region="61.07") == [0.0]
    assert values(families["ucj_region_status"], region="61.07", status="on_track") == [1.0]
    assert values(families["ucj_coverage_ratio"], region="61.07.01") == []  # no workforce figure
    assert values(families["ucj_pace_per_day"], region="61.07") == [2.0]  # 440 -> 500 in 30 days
    assert values(families["ucj_lapse_cliff_participants"], region="61.07") == [1, 25]  # APBD-61.07, APBDES
    assert values(families["ucj_assistance_budget_idr"], region="61.07") == [0]  # on plan: nothing to close


def test_a_worker_not_running_a_complete_stage_exports_no_ratios():
    families = collect(complete=False)
    assert sum(values(families["ucj_active_participants"], region="61")) == 500
    assert values(families["ucj_planned_ratio"], region="61.07") == [0.5]
    assert families["ucj_coverage_ratio"] == [] and families["ucj_region_status"] == []


def test_village_series_when_asked():
    families = collect(complete=True, levels=("village",))
    assert sum(values(families["ucj_active_participants"], region="61.07.01.2001")) == 300


def test_regency_seats_and_open_alerts_for_dashboards():
    collector = RegionCollector(
        lambda: COUNTS,
        lambda: REFERENCE,
        lambda: DAY,
        lambda: REPORTS,
        open_alerts=lambda: {("coverage_status", "61.07"): "critical"},
        seats={"61.07": ("Bengkayang", 0.83, 109.48)},
    )
    families = {family.name: family.samples for family in collector.collect()}
    [seat] = families["ucj_region_location"]
    assert seat.labels == {
        "region": "61.07",
        "level": "regency",
        "seat": "Bengkayang",
        "latitude": "0.83",
        "longitude": "109.48",
    }
    [alert] = families["ucj_alerts_open"]
    assert alert.labels["kind"] == "coverage_status" and alert.labels["status"] == "critical" and alert.value == 1
