"""The base of itsm's Pydantic models: validators are built when first used.

A command or a request uses a few of the project's many models. Building each
model's validator and serializer when its class is defined costs a command's
start-up about 1 ms per model even for the ones it never touches (the CLI's cold
start, the agent's memory); deferred, the cost is paid once, on first use.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    """A Pydantic model whose schema is built on first validation or serialization."""

    model_config = ConfigDict(defer_build=True)
