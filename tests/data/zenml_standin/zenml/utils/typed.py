from pydantic import BaseModel

class TypedModel(BaseModel):
    pass
