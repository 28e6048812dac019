from zenml.integrations.acme.config import AcmeMapping
from zenml.integrations.acme.steps.report import acme_report_step
