"""The database: SQLAlchemy models (advanced-alchemy) and Alembic migrations."""
