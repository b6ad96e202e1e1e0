"""`ucj gateway`: the HTTP front door for registration systems (see README "For registration systems")."""
