"""Infrastructure every command shares: settings, secrets, CSV reading, the event producer, log filters."""
