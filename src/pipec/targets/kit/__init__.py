"""What every target inherits instead of writing again: retry lowering (`retry`), container
resources (`resources`), the shared-store test (`stores`), name policies (`names`), the one
YAML emitter and JSON writer (`serialize`), declared capabilities (`capabilities`) and the
unsupported-setting policy (`unsupported`). A target overrides only what its engine does
differently; `tests/toy_target.py` is a whole target written against this package alone.
"""
