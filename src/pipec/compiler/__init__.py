"""The pipec compiler: static frontend (Python's `ast`), typed IR, checks, diagnostics and the CLI."""
