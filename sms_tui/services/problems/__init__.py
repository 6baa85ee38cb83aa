"""Problems and known errors (8.6.3)."""
