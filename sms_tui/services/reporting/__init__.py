"""The service report (9.4) and the evidence report for an audit, as plain data."""
