import json
from typing import Any, Dict, List, Optional
from zenml import step
from zenml.integrations.acme.config import AcmeMapping, AcmeMetric

@step
def acme_report_step(mapping: Optional[AcmeMapping] = None, metrics: Optional[List[AcmeMetric]] = None,
                     options: Optional[Dict[str, Any]] = None) -> str:
    return json.dumps({
        "mapping": [type(mapping).__name__, mapping.model_dump() if mapping else None],
        "metrics": [[type(m).__name__, m.class_path, m.parameters] for m in metrics or []],
        "options": options,
    })
