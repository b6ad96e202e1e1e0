"""Development tools: a local Kafka, the demo and the simulator. Never needed in production."""
