"""Registry: regions, eligible workforce per year, coverage plans, coordinators and the
notifier's delivery log (SQLAlchemy, schema by Alembic migrations)."""
from services.registry.coordinators import Coordinator
from services.registry.csv_files import CsvRejected
from services.registry.deliveries import Delivery, DeliveryAttempt, NewDelivery
from services.registry.registry import InitReport, LoadReport, Registry, RegistryNotInitialized
from services.registry.schema import SchemaUpgrade
from services.registry.seed import DEFAULT_PROVINCIAL_PLAN, SEED_WORKFORCE_YEARS

__all__ = [
    "Coordinator",
    "CsvRejected",
    "DEFAULT_PROVINCIAL_PLAN",
    "Delivery",
    "DeliveryAttempt",
    "InitReport",
    "LoadReport",
    "NewDelivery",
    "Registry",
    "RegistryNotInitialized",
    "SchemaUpgrade",
    "SEED_WORKFORCE_YEARS",
]
