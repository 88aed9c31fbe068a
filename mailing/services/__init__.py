"""Writes of mailing, one module per area; import the module you need (no re-exports)."""
