"""Notifications: who is told what (policy), their preferences, the outbox and its delivery."""
