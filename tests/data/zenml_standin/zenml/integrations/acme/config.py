from typing import Any, Dict, List, Optional
from pydantic import BaseModel
from zenml.utils.typed import TypedModel

class AcmeMapping(BaseModel):
    target: Optional[str] = None
    features: Optional[List[str]] = None

class AcmeMetric(TypedModel):
    class_path: str
    parameters: Dict[str, Any] = {}

    @classmethod
    def metric(cls, name, **parameters):
        return cls(class_path=f"acme.metrics.{name}", parameters=parameters)

    def describe(self):
        return self.class_path

class AcmeClient:
    pass
