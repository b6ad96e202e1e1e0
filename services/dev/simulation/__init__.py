"""A deterministic simulator of the Kalimantan Barat participant event stream (no I/O but
reading the reference CSVs); pacing and publishing to Kafka live elsewhere."""

from services.dev.simulation.generator import SCHEMA, SimulatedRecord, generate_events, participant_id
from services.dev.simulation.geography import DEFAULT_REGENCIES_CSV, DEFAULT_REGIONS_CSV, Geography, load_geography

__all__ = [
    "DEFAULT_REGENCIES_CSV",
    "DEFAULT_REGIONS_CSV",
    "Geography",
    "SCHEMA",
    "SimulatedRecord",
    "generate_events",
    "load_geography",
    "participant_id",
]
