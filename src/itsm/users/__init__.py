"""People: end users who ask for help, technicians who give it, admins."""
