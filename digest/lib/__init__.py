"""Low-level helpers shared by every app (no Django models here)."""
