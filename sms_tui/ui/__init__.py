"""The analyst's terminal UI (Textual), a thin client of :mod:`sms_tui.services`.

Layout: ``app.py`` (the App, worker error handling, live refresh),
``sections.py`` (the one-key destinations later features extend),
``screens/`` (one screen per module), ``widgets/`` (one widget per module),
``display.py`` (the only way user text reaches the screen), ``backend.py``
(the services, opened off the UI thread). The UI never runs SQL and never
holds ORM objects: services return plain dataclasses.
"""
