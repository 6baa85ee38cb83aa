"""Storage: SQLModel tables, the SQLite engine and the Alembic migrations."""
