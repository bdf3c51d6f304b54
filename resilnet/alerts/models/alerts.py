"""Alerts as people write and approve them: CAP 1.2 fields, one info block per language."""
