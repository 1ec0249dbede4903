"""Read side of citebot: retrieval, answering, Discord rendering and the CLI."""
