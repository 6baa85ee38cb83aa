"""Pure domain rules of the service desk: no I/O, no database, no Textual."""
