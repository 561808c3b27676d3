"""Alembic's environment and revisions; `initial/` holds the first revision's steps."""
