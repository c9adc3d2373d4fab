"""Persistence: SQLAlchemy tables, repositories implementing the domain ports, and migrations."""
