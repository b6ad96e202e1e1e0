"""The Faust worker: the app, its pages and timers, and every adapter that touches Faust or aiokafka internals (pinned)."""
