"""The ways a message leaves the notifier: SMTP email and HTTP POST (webhooks, Alertmanager)."""


class DeliveryFailed(Exception):
    """The receiver did not accept the message; the text says why, for the delivery log."""
