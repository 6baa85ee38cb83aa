"""The service catalogue and configuration items (8.2.6), change control."""
