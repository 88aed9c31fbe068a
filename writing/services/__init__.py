"""Writes of writing, one module per area; import the module you need (no re-exports)."""
