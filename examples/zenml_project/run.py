"""A ZenML project laid out as ZenML's templates lay it out: `constants/`, `steps/`, `pipelines/`,
a run configuration, and a run script that imports its pipeline inside `main()`.

Compile it (ZenML need not be installed) or run it:

    pipec compile examples/zenml_project/run.py --config examples/zenml_project/config.yaml --target all --out out
    python examples/zenml_project/run.py --rows 500
"""

import argparse


def main() -> None:
    """Parse the command line and run the training pipeline with `config.yaml`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200, help="rows to generate")
    args = parser.parse_args()

    from pipelines import training

    training.with_options(config_path="config.yaml")(n_rows=args.rows)


if __name__ == "__main__":
    main()
