"""Hardware inventory: the machines and devices the help desk looks after."""
