"""Who may change a participant: scoped sources only inside their regions, or by enrolling one into them."""

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from streams.domain.events import PONTIANAK, AssistancePaid, ParticipantEnrolled, ParticipantLapsed
from streams.domain.ownership import NOBODY, Owners, refusal
from streams.domain.regions import Region, RegionTree

TREE = RegionTree.from_regions(
    [
        Region("61", None, "province", "Kalimantan Barat"),
        Region("61.07", "61", "regency", "Bengkayang"),
        Region("61.07.01", "61.07", "district", "D1"),
        Region("61.07.01.2001", "61.07.01", "village", "V1"),
        Region("61.07.01.2002", "61.07.01", "village", "V2"),
        Region("61.72", "61", "regency", "Singkawang"),
        Region("61.72.01", "61.72", "district", "D2"),
        Region("61.72.01.1001", "61.72.01", "village", "V3"),
    ]
)
VILLAGES = ["61.07.01.2001", "61.07.01.2002", "61.72.01.1001"]
OWNERS = Owners(
    TREE,
    {
        "desa-2001": ["61.07.01.2001"],
        "desa-1001": ["61.72.01.1001"],
        "disnaker-bengkayang": ["61.07"],
        "bpjs-kalbar": ["61"],
    },
)
SOURCES = ["desa-2001", "desa-1001", "disnaker-bengkayang", "bpjs-kalbar", "direct-feed"]
AT = datetime(2026, 6, 1, 9, tzinfo=PONTIANAK)


def event(kind: str, source: str, region: str):
    common = dict(
        event_id="e", occurred_at=AT, participant_id="pn1_x", region_code=region, segment="BPU", source=source
    )
    if kind == "enrollment":
        return ParticipantEnrolled(**common, covered_from=AT.date(), paid_through=AT.date() + timedelta(days=30))
    if kind == "lapse":
        return ParticipantLapsed(**common, reason="non_payment", effective_date=AT.date())
    return AssistancePaid(
        **common, payer_id="APBD-61.07", period_start=AT.date(), period_end=AT.date(), amount_idr=16800
    )


def test_a_village_may_not_lapse_or_pay_for_a_participant_of_another_regency():
    for kind in ("lapse", "assistance_payment"):
        refused = refusal(event(kind, "desa-2001", "61.07.01.2001"), "61.72.01.1001", OWNERS)
        assert refused is not None and refused.reason == "participant_out_of_scope"
        assert "desa-2001" in refused.detail and "61.72.01.1001" in refused.detail


def test_a_village_may_change_its_own_participants_and_enrol_one_who_moves_in():
    assert refusal(event("lapse", "desa-2001", "61.07.01.2001"), "61.07.01.2001", OWNERS) is None
    assert refusal(event("enrollment", "desa-2001", "61.07.01.2001"), "61.72.01.1001", OWNERS) is None  # a move in
    assert refusal(event("enrollment", "desa-2001", "61.72.01.1001"), "61.72.01.1001", OWNERS) is not None


def test_a_regency_source_owns_every_village_below_it_and_the_province_source_owns_all():
    assert refusal(event("lapse", "disnaker-bengkayang", "61.07"), "61.07.01.2002", OWNERS) is None
    assert refusal(event("lapse", "disnaker-bengkayang", "61.07"), "61.72.01.1001", OWNERS) is not None
    assert refusal(event("lapse", "bpjs-kalbar", "61.07.01.2001"), "61.72.01.1001", OWNERS) is None
    assert not OWNERS.scoped("bpjs-kalbar") and OWNERS.scoped("desa-2001")


def test_an_unknown_participant_or_an_unregistered_source_is_never_refused():
    assert refusal(event("lapse", "desa-2001", "61.07.01.2001"), None, OWNERS) is None
    assert refusal(event("lapse", "direct-feed", "61.07.01.2001"), "61.72.01.1001", OWNERS) is None
    assert refusal(event("lapse", "desa-2001", "61.07.01.2001"), "61.72.01.1001", NOBODY) is None


def test_a_region_the_registry_lost_is_outside_every_scoped_source():
    assert refusal(event("lapse", "desa-2001", "61.07.01.2001"), "61.99.99.9999", OWNERS) is not None


@given(
    st.sampled_from(["enrollment", "lapse", "assistance_payment"]),
    st.sampled_from(SOURCES),
    st.sampled_from(VILLAGES),
    st.sampled_from([None, *VILLAGES]),
)
def test_refused_exactly_when_a_scoped_source_reaches_outside_without_enrolling_into_its_own(
    kind, source, region, current
):
    regions = {"desa-2001": ["61.07.01.2001"], "desa-1001": ["61.72.01.1001"], "disnaker-bengkayang": ["61.07"]}.get(
        source
    )

    def owned(code):  # by prefix, independently of the tree
        return regions is None or any(code == r or code.startswith(r + ".") for r in regions)

    expected = current is not None and not owned(current) and not (kind == "enrollment" and owned(region))
    assert (refusal(event(kind, source, region), current, OWNERS) is not None) == expected
