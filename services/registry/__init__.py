"""Region registry: regions, eligible workforce per year and coverage plans (SQLAlchemy)."""
from services.registry.csv_files import CsvRejected
from services.registry.registry import InitReport, LoadReport, Registry, RegistryNotInitialized
from services.registry.seed import DEFAULT_PROVINCIAL_PLAN, SEED_WORKFORCE_YEARS

__all__ = [
    "CsvRejected",
    "DEFAULT_PROVINCIAL_PLAN",
    "InitReport",
    "LoadReport",
    "Registry",
    "RegistryNotInitialized",
    "SEED_WORKFORCE_YEARS",
]
