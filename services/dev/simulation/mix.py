"""The proportions that shape the simulated stream, with where each one comes from.

"Data notes" means services/data/ATTRIBUTION.md; "assumption" marks a plausible figure with
no public source, chosen to keep the stream at a few events per participant.
"""

from __future__ import annotations

# --- Who the participants are ------------------------------------------------------------

# Wage earners (PU) are the majority of Kalbar participants and informal workers (BPU) the
# fast-growing rest; construction (JAKON) and migrant workers (PMI, Kalbar borders Sarawak)
# are small shares. Assumption, in line with BPJS Ketenagakerjaan branch reporting.
SEGMENT_MIX = {"PU": 0.55, "BPU": 0.35, "JAKON": 0.06, "PMI": 0.04}

# Regions are drawn in proportion to the regency eligible workforce (data notes), then a
# uniform village. Some producers only know the district or regency (5% together).
DISTRICT_LEVEL_SHARE = 0.04
REGENCY_LEVEL_SHARE = 0.01

# Share of re-enrollments that come from a new home region (a move inside the province).
MOVE_SHARE = 0.04
# Construction workers follow project sites, so they move far more often.
JAKON_MOVE_SHARE = 0.30

# --- When they enroll --------------------------------------------------------------------

# Enrollment waves: part of the enrollments are spread evenly, the rest cluster around
# campaigns (month, day, spread in days, weight). The province raced from 35.39% (June 2024)
# to its 50.14% target for 31 Dec 2024 and 59.56% for 2025 (data notes), hence the year-end
# push; village apparatus drives follow the first Dana Desa tranche early in the year.
EVEN_ENROLLMENT_SHARE = 0.55
CAMPAIGN_WAVES = (
    (2, 10, 15, 0.12),  # village apparatus registration drives after the first tranche
    (8, 17, 10, 0.08),  # Independence Day month campaigns
    (11, 15, 25, 0.25),  # year-end push towards the provincial target
)

# --- How they pay ------------------------------------------------------------------------

# PU contributions are monthly; the enrollment feed reports them as extensions of
# paid_through covering this many months (weights). Assumption, so that a participant
# produces a few events a year rather than twelve.
PU_EXTENSION_MONTHS = {1: 0.15, 3: 0.40, 6: 0.30, 12: 0.15}
PU_JOB_END_PER_YEAR = 0.15  # employment_ended lapses (assumption: plantation turnover)
PU_REHIRED_SHARE = 0.35  # of those, enrolled again by a new employer
PU_LATE_PAYMENT_SHARE = 0.10  # extension arrives after paid_through (arrears)

# Self-paying BPU choose 1, 3, 6 or 12 months (assumption) and often stop paying.
BPU_PAID_MONTHS = {1: 0.45, 3: 0.30, 6: 0.15, 12: 0.10}
BPU_RENEWAL_SHARE = 0.65
BPU_UNPAID_MONTHS_BEFORE_LAPSE = 3  # non_payment lapse is declared after 3 unpaid months
BPU_COMEBACK_SHARE = 0.15  # a lapsed BPU participant who pays again later

JAKON_PROJECT_DAYS = (60, 540)  # a construction project's coverage, min and max
JAKON_NEXT_PROJECT_SHARE = 0.45
PMI_PLACEMENT_MONTHS = (24, 30)  # pre-placement, a 2-year contract and return
PMI_SECOND_PLACEMENT_SHARE = 0.25

DECEASED_PER_YEAR = 0.004  # crude death rate of the working-age population (assumption)

# --- Delivery faults ---------------------------------------------------------------------

LATE_ARRIVAL_SHARE = 0.03  # delivered after later events: 5 minutes to 36 hours late
LATE_DELAY_SECONDS = (300, 36 * 3600)
DUPLICATE_SHARE = 0.02  # redelivered with the same bytes, up to 3 days later
DUPLICATE_DELAY_SECONDS = (60, 3 * 86_400)
INVALID_SHARE = 0.01  # deliberately invalid inputs, by the validator's reason
INVALID_MIX = {
    "not_json": 0.15,
    "unknown_type": 0.10,
    "missing_field": 0.20,
    "bad_date": 0.15,
    "unknown_region": 0.15,
    "bad_interval": 0.10,
    "bad_amount": 0.05,
    "future_event": 0.10,
}
