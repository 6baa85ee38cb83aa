"""Use cases of the desk. Each public method is one transaction and writes the journal.

The UI, the CLI and the scheduler are clients of this layer; they receive
plain dataclasses (:mod:`sms_tui.services.core.views`), never live ORM objects.
"""
