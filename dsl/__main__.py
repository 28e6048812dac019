"""`python -m pipec`: the same as the `pipec` command."""

from pipec.compiler.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
