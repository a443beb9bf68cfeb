"""Monitoring systems that open and settle tickets: Prometheus Alertmanager (webhooks)."""
