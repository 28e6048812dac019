"""`python -m pipec`: the same as the `pipec` command."""

from .cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
