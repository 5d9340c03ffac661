"""Alembic environment: migrations run as the owner role, synchronously through psycopg."""

from alembic import context
from sqlalchemy import create_engine, pool, text

from crm.models import Base

config = context.config
target_metadata = Base.metadata
# Instances started together with CRM_MIGRATE_ON_START=true migrate one after the other: the
# first upgrades, the others find the schema up to date.
MIGRATION_LOCK = 0x43524D  # "CRM"


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        connection.execute(text(f"SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        connection.commit()  # the lock is the session's; it ends with the connection
        context.configure(
            connection=connection, target_metadata=target_metadata, transaction_per_migration=True
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
