"""The demo's story holds: scaled regencies are on plan, and losing the cohort puts one behind."""

import csv
import io
import json
from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from services.dev.demo.scenario import (
    cohort_enrollments,
    cohort_lapses_csv,
    cohort_niks,
    cohort_size,
    on_plan_workforce,
    workforce_csv,
)
from streams.domain.events import PONTIANAK
from streams.domain.nik import nik_problem
from streams.domain.pseudonym import Pseudonymizer
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
    assert (
        workforce_csv({"61.02": 5, "61.01": 7}, "61", 2026)
        == "region_code,year,eligible_workforce\n61,2026,12\n61.01,2026,7\n61.02,2026,5\n"
    )


def test_cohort_events_are_valid_and_one_participant_each():
    tree = RegionTree.from_regions(
        [
            Region("61", None, "province", "K"),
            Region("61.01", "61", "regency", "S"),
            Region("61.01.01", "61.01", "district", "D"),
            Region("61.01.01.2001", "61.01.01", "village", "V"),
        ]
    )
    now, today = datetime(2026, 11, 25, 10, 0, tzinfo=PONTIANAK), date(2026, 11, 25)
    villages = ["61.01.01.2001"]
    niks = cohort_niks(villages, 400)
    assert len(set(niks)) == 400 and all(nik_problem(n) is None for n in niks)
    pseudonymizer = Pseudonymizer(b"k" * 32)
    enrollments = cohort_enrollments("r1", villages, [pseudonymizer.participant_id(n) for n in niks], today, now)
    # the gateway's part, done by hand: each NIK becomes its pseudonym, the source comes from the key
    rows = list(csv.DictReader(io.StringIO(cohort_lapses_csv("r1", villages, niks, today, now)), delimiter=";"))
    lapses = [
        dict(row, participant_id=pseudonymizer.participant_id(row.pop("nik")), source="demo-villages-61.01")
        for row in rows
    ]
    parsed = [parse_event(json.dumps(e).encode(), tree, now) for e in enrollments + lapses]
    assert not [p for p in parsed if isinstance(p, Rejected)]
    assert len({p.participant_id for p in parsed}) == 400 and len({p.event_id for p in parsed}) == 800
