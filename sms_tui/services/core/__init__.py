"""The machinery every feature shares: the store and its transactions, hooks, the journal, record use cases, queue reads, plain views, the scheduler."""
