"""sms-tui: a keyboard-driven terminal service desk on a local SQLite file.

Layers, from the inside out:

* :mod:`sms_tui.domain`   -- pure rules (priority matrix, lifecycles, references); no I/O.
* :mod:`sms_tui.storage`  -- SQLModel tables, the SQLite engine, Alembic migrations.
* :mod:`sms_tui.services` -- use cases, one transaction each, every write journaled.
* :mod:`sms_tui.cli` and :mod:`sms_tui.ui` -- thin clients of the services.
"""

__version__ = "0.1.0"
