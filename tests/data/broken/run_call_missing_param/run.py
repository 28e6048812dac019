"""The run call omits `include_tables`, which has no default: ZenML refuses the call."""

from asking import ask

if __name__ == "__main__":
    ask(query="which users bought more than 5?")
