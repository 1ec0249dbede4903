"""Web and document sources: polite guarded fetching, articles, feeds, sitemaps, PDF and DOCX."""
