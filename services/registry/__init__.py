"""Registry: regions, eligible workforce per year, coverage plans, coordinators, the notifier's
delivery log and the sources allowed to publish (SQLAlchemy, schema by Alembic migrations)."""

from services.registry.coordinators import Coordinator
from services.registry.csv_files import CsvRejected
from services.registry.deliveries import Delivery, DeliveryAttempt, NewDelivery
from services.registry.registry import InitReport, LoadReport, Registry, RegistryNotInitialized
from services.registry.schema import SchemaUpgrade
from services.registry.seed import DEFAULT_PROVINCIAL_PLAN, SEED_WORKFORCE_YEARS
from services.registry.sources import Source

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
    "Source",
]
