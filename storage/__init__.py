"""Storage: SQLAlchemy models, engine set-up with migrations and seeds, and queries."""
