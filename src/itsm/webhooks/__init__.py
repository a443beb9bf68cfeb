"""Outgoing webhooks: signed JSON (or a Slack-compatible line) for ticket events."""
