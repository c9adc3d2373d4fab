"""Alembic migrations (script location `codestream.storage:migrations`)."""
