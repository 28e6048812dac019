"""Runs INSIDE the side environment .venvs/kfp: examples/zenml_new_api (with its config.yaml)
written with kfp's own DSL and compiled with kfp's compiler; the package YAML on stdout.

One container component per step invocation (named like pipec's step ids, so kfp names
the tasks the same). Every data edge is what pipec's spec says it is: the producer's
`Output[Artifact]` passed to the consumer's `Input[Artifact]` (kfp derives
`taskOutputArtifact` and the dependency from it), plus `.after()` for every upstream step
(`after=` edges included). The example's resources, retries, environment and caching; the
image given as the only argument (the test compiles pipec's side with `--option image=` the same).
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


def _component(name: str, inputs: tuple = (), outputs: tuple = (), with_test_size: bool = False):
    """A container component with these artifact inputs/outputs (generated: kfp reads the
    signature, so each component needs its own)."""
    params = (["test_size: float"] if with_test_size else []) + \
        [f"{i}: dsl.Input[dsl.Artifact]" for i in inputs] + [f"{o}: dsl.Output[dsl.Artifact]" for o in outputs]
    args = (["'--param'", "test_size"] if with_test_size else []) + \
        [f"'--input-ref', dsl.ConcatPlaceholder(['{i}=', {i}.path])" for i in inputs] + \
        [f"'--output-ref', dsl.ConcatPlaceholder(['{o}=', {o}.path])" for o in outputs]
    source = (f"def {name}({', '.join(params)}):\n"
              f"    return dsl.ContainerSpec(image=IMAGE, command=RUN, args=[{', '.join(args)}])\n")
    namespace = {"dsl": dsl, "IMAGE": IMAGE, "RUN": RUN}
    exec(source, namespace)  # noqa: S102 - test-only code generated from the literals above
    return dsl.container_component(namespace[name])


def _task(component, cache: bool = True, **inputs):
    return component(**inputs).set_env_variable("PYTHONUNBUFFERED", "1").set_caching_options(cache)


def _trainer(task, cpu: str, memory: str):
    return (task.set_cpu_limit(cpu).set_cpu_request(cpu).set_memory_limit(memory).set_memory_request(memory)
            .set_accelerator_type("nvidia.com/gpu").set_accelerator_limit(1)
            .set_retry(num_retries=2, backoff_duration="10s", backoff_factor=2.0))


SPLITS = ("X_train", "X_test", "y_train", "y_test")


@dsl.pipeline(name="model_selection".replace("_", "-"))
def model_selection(test_size: float = 0.25):
    load_data = _task(_component("load_data", outputs=("dataset",)))
    dataset = load_data.outputs["dataset"]
    schema_check = _task(_component("schema_check", ("dataset",)), dataset=dataset).after(load_data)
    describe = _task(_component("describe", ("dataset",), ("output_0", "output_1")), dataset=dataset)
    split_data = _task(_component("split_data", ("dataset",), SPLITS, with_test_size=True),
                       test_size=test_size, dataset=dataset).after(schema_check)
    split = split_data.outputs
    evaluations = []
    for kind, cpu, memory in (("logreg", "2", "4G"), ("forest", "4", "8G")):
        train = _trainer(_task(_component(f"train_{kind}", ("X_train", "y_train"), ("model",)),
                               X_train=split["X_train"], y_train=split["y_train"]), cpu, memory)
        name = "evaluate" if kind == "logreg" else "evaluate_2"
        evaluations.append(_task(_component(name, ("model", "X_test", "y_test"), ("output",)), cache=False,
                                 model=train.outputs["model"], X_test=split["X_test"], y_test=split["y_test"]))
    pick_winner = _task(_component("pick_winner", ("logreg_accuracy", "forest_accuracy"),
                                   ("winner", "best_accuracy")),
                        logreg_accuracy=evaluations[0].outputs["output"],
                        forest_accuracy=evaluations[1].outputs["output"])
    _task(_component("write_report", ("winner", "best_accuracy", "n_rows"), ("output",)), cache=False,
          winner=pick_winner.outputs["winner"], best_accuracy=pick_winner.outputs["best_accuracy"],
          n_rows=describe.outputs["output_0"])


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "model_selection.yaml"
        compiler.Compiler().compile(model_selection, str(out))
        sys.stdout.write(out.read_text(encoding="utf-8"))
