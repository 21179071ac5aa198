"""Alembic environment: runs policyflow's migrations on the connection handed over in code.

:meth:`policyflow.store.database.Database.migrate` passes an open connection in
``config.attributes["connection"]``; there is no ``alembic.ini``. For developers, new
revisions are made with ``alembic -x url=sqlite:///dev.db revision --autogenerate``
run from a Config pointing here (see docs/engine.md).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from policyflow.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///policyflow.db")
    with create_engine(url).connect() as own:
        context.configure(connection=own, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
