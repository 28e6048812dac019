"""The pipec compiler: libcst frontend, typed IR, checks, diagnostics and the CLI."""
