"""CLI subcommand modules of the runtime: each exposes HELP, add_arguments(parser) and run(args) -> int."""
