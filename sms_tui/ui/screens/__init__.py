"""Screens of the TUI, one per module. Imported lazily by the app and the sections."""
