"""Service requests (8.6.2): catalogue of request types, fulfilment, approvals."""
