"""Alembic environment of the registry, run by services/registry/schema.py (no alembic.ini).

The caller passes an open connection in `config.attributes["connection"]`.

Each migration under versions/ spells out its tables and columns again, on purpose: a migration
is frozen history and must build the schema as it was then, whatever models.py (the schema as
it is now) says later. That repetition is the one a search for duplicated code finds here.
"""

from __future__ import annotations

from alembic import context

from services.registry.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot alter most of a table; batch mode rebuilds it instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
