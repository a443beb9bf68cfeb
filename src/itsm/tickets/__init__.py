"""Tickets: the help desk's unit of work, its comments and its audit trail."""
