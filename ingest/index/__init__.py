"""ingest/index."""
