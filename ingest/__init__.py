"""Write side of citebot: load, clean, chunk, embed and store articles."""
