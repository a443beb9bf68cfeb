"""Domain events: what the services changed, announced once the change is committed."""
