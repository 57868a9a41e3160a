"""Alembic environment of the case store (run through :mod:`openimr.store.migrate`)."""
