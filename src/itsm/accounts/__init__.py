"""Accounts: passwords, API tokens, login throttling and who may do what."""
