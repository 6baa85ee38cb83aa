"""Demo desks: small ones through the services, large ones in bulk."""
