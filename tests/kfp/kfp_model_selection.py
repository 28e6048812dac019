"""Runs INSIDE the side environment .venvs/kfp: examples/zenml_new_api (with its config.yaml)
written with kfp's own DSL and compiled with kfp's compiler; the package YAML on stdout.

One container component per step invocation (named like pipec's step ids, so kfp names
the tasks the same), `.after()` for every data edge (pipec passes data through its own
artifact store), the example's resources, retries and environment, and the image given as
the only argument (the test compiles pipec's side with `--option image=` the same).
"""

# No `from __future__ import annotations`: kfp reads the components' annotations as real types.
import sys
import tempfile
import warnings
from pathlib import Path

warnings.simplefilter("ignore")

from kfp import compiler, dsl  # noqa: E402

IMAGE = sys.argv[1]
RUN = ["python", "-m", "pipec.runtime", "run-step"]


def _component(name: str, with_test_size: bool = False):
    if with_test_size:
        def body(test_size: float):
            return dsl.ContainerSpec(image=IMAGE, command=RUN, args=["--param", test_size])
    else:
        def body():
            return dsl.ContainerSpec(image=IMAGE, command=RUN, args=[])
    body.__name__ = name
    return dsl.container_component(body)


def _task(component, **inputs):
    task = component(**inputs).set_env_variable("PYTHONUNBUFFERED", "1").set_caching_options(False)
    return task


def _trainer(task, cpu: str, memory: str):
    return (task.set_cpu_limit(cpu).set_cpu_request(cpu).set_memory_limit(memory).set_memory_request(memory)
            .set_accelerator_type("nvidia.com/gpu").set_accelerator_limit(1)
            .set_retry(num_retries=2, backoff_duration="10s", backoff_factor=2.0))


@dsl.pipeline(name="model_selection".replace("_", "-"))
def model_selection(test_size: float = 0.25):
    load_data = _task(_component("load_data"))
    schema_check = _task(_component("schema_check")).after(load_data)
    describe = _task(_component("describe")).after(load_data)
    split_data = _task(_component("split_data", True), test_size=test_size).after(load_data, schema_check)
    train_logreg = _trainer(_task(_component("train_logreg")).after(split_data), "2", "4G")
    evaluate = _task(_component("evaluate")).after(train_logreg, split_data)
    train_forest = _trainer(_task(_component("train_forest")).after(split_data), "4", "8G")
    evaluate_2 = _task(_component("evaluate_2")).after(train_forest, split_data)
    pick_winner = _task(_component("pick_winner")).after(evaluate, evaluate_2)
    _task(_component("write_report")).after(pick_winner, describe)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "model_selection.yaml"
        compiler.Compiler().compile(model_selection, str(out))
        sys.stdout.write(out.read_text(encoding="utf-8"))
