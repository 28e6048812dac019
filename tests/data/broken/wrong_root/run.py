# pipec-args: --root tests/data/broken
from pipelines.full import tune

if __name__ == "__main__":
    tune()
