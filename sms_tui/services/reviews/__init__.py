"""Planned reviews, their evidence, findings (10.1, 10.2), documented information."""
