"""The one error for a store the user has to fix before anything runs.

Kept apart from `metadata` and `artifacts` (both raise it) so the command line can catch it
without importing either.
"""

from __future__ import annotations


class StoreUnavailable(RuntimeError):
    """A metadata or artifact store cannot be opened: a malformed URL, an unknown dialect or
    protocol, a missing driver or fsspec extra, no server, refused credentials, a file that is no
    database, a schema newer than this pipec. The message names the store with its password
    masked and says what to do; commands exit 2 with it."""


def masked(url: str) -> str:
    """`url` with its password replaced by ``***``, for messages."""
    from pipec.stacks.apply import mask_secrets

    return mask_secrets(url)
