"""ZenML integration objects as step parameters: the forms pipec cannot defer to run time.

Compiled where no ZenML is installed (the diagnostics snapshot), each integration name says
what to install; tests/test_zenml_integration_objects.py compiles it again with the stand-in
ZenML of tests/data/zenml_standin on the path, where only the last two step calls are accepted.
"""

from zenml import pipeline, step
from zenml.integrations.acme.config import AcmeClient, AcmeMetric
from zenml.integrations.acme.steps import AcmeMapping, acme_report_step


@step
def summarize(metrics: list) -> int:
    return len(metrics)


@pipeline
def reports():
    acme_report_step(mapping=AcmeMapping("label"), id="positional")
    acme_report_step(mapping=AcmeMapping(target={1, 2}), id="not_json")
    acme_report_step(options=AcmeClient(), id="not_a_model")
    acme_report_step(options=AcmeMetric.describe(None), id="not_a_classmethod")
    mapping = AcmeMapping(target="label")
    summarize(metrics=[mapping.target], id="field_read")
    summarize(metrics=[AcmeMetric.metric("Quality", column="text")])
    acme_report_step(metrics=[AcmeMetric.metric("Quality", column="text")], id="fine")
