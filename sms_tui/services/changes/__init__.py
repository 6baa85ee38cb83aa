"""Change management (8.5.1): the change record, remedial actions."""
