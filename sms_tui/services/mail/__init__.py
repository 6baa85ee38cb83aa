"""Communication: the outbox, mail to requesters, mail in and mail fetch."""
