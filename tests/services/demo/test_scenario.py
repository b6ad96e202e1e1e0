"""The demo's story holds: scaled regencies are on plan, and losing the cohort puts one behind."""
import json
from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from services.demo.scenario import cohort_enrollments, cohort_lapses, cohort_size, on_plan_workforce, workforce_csv
from streams.domain.events import PONTIANAK
from streams.domain.regions import Region, RegionTree
from streams.domain.trajectory import region_figures
from streams.domain.validation import Rejected, parse_event

PLANNED = 0.5956


@given(active=st.integers(200, 500_000), other=st.integers(1, 500_000))
def test_scaled_regencies_are_on_plan_and_losing_the_cohort_puts_one_behind(active, other):
    cohort = cohort_size(active, PLANNED)
    workforce = on_plan_workforce({"61.01": active + cohort, "61.02": other}, {"61.01": PLANNED, "61.02": PLANNED})
    assert region_figures("61.01", active + cohort, workforce["61.01"], PLANNED).status == "on_track"
    assert region_figures("61.02", other, workforce["61.02"], PLANNED).status == "on_track"
    assert region_figures("61.01", active, workforce["61.01"], PLANNED, pace=1.0).status == "behind"


def test_workforce_csv_gives_the_province_the_sum():
    assert workforce_csv({"61.02": 5, "61.01": 7}, "61", 2026) == "region_code,year,eligible_workforce\n61,2026,12\n61.01,2026,7\n61.02,2026,5\n"


def test_cohort_events_are_valid_and_one_participant_each():
    tree = RegionTree.from_regions([Region("61", None, "province", "K"), Region("61.01", "61", "regency", "S"), Region("61.01.01", "61.01", "district", "D"), Region("61.01.01.2001", "61.01.01", "village", "V")])
    now = datetime(2026, 11, 25, 10, 0, tzinfo=PONTIANAK)
    events = cohort_enrollments("r1", ["61.01.01.2001"], 3, date(2026, 11, 25), now) + cohort_lapses("r1", ["61.01.01.2001"], 3, date(2026, 11, 25), now)
    parsed = [parse_event(json.dumps(e).encode(), tree, now) for e in events]
    assert not [p for p in parsed if isinstance(p, Rejected)]
    assert len({p.participant_id for p in parsed}) == 3 and len({p.event_id for p in parsed}) == 6
