"""`ucj gateway`: the HTTP front door for registration systems (see docs/registration-systems.md)."""
