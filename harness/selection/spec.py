"""The spec a selection plugin returns from `xharness_selectors` (validated, extra="forbid")."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SelectorSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    description: str
    scorer: str = Field(description="module:function, called as scorer(request) -> scores")
    cost: str = Field(description="module:function, called as cost(request) -> Cost")
    needs_intermediate_models: bool = Field(
        default=False, description="scores need each candidate's trained intermediate model")
    trains_on_target: bool = Field(
        default=False, description="fine-tunes on the target (the expensive reference)")
    plugin: str = ""
