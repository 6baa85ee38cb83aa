"""Keeping the desk sound: purge with tombstones, verify."""
