"""Export, import, backup, restore, and moving a desk to a server."""
