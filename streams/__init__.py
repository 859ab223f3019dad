"""The shell around the pure core: Kafka, Redis, MLflow server processes, the CLI, settings."""
