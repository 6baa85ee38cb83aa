"""Incidents (8.6.1): major incidents, SLA clocks, information security incidents."""
