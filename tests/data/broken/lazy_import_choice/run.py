import sys


def main(quick: bool) -> None:
    if quick:
        from pipelines.quick import tune
    else:
        from pipelines.full import tune
    tune()


if __name__ == "__main__":
    main("--quick" in sys.argv)
