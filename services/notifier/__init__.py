"""The notifier: alert transitions from ucj.coverage-alerts to coordinators' channels.

Each module has one job: routing (who gets an alert), formatting and messages (what it
says, in Bahasa Indonesia or English), chart (the PNG), alertmanager (Alertmanager bodies),
payloads (what a delivery log row carries), backoff (when to try again), channels (SMTP and
HTTP), intake (topic -> delivery log), delivery (delivery log -> channels), metrics, cli.
"""
