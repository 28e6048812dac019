"""Options of the example target's own tests."""

from __future__ import annotations


def pytest_addoption(parser) -> None:
    """``--update-example-golden`` rewrites this plug-in's golden/ from the current output."""
    parser.getgroup("pipec-target-example").addoption(
        "--update-example-golden", action="store_true", default=False,
        help="rewrite examples/plugins/pipec-target-example/golden/ from the current compiler output")
