import os

from pipec import pipeline, step


@step
def load(path: str) -> list:
    return [path]


@step
def train(data: list, epochs: int) -> None:
    pass


@pipeline
def training():
	data = load(path=os.getcwd())
	train(data=data, epochs="ten", verbose=True)
	trian(data)
	with open("x") as handle:
		load(path=handle.read())
