"""Contacts, complaints and satisfaction surveys (8.3.2)."""
