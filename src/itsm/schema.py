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


def build_eagerly() -> None:
    """From now on build models when they are defined, and build the deferred ones now.

    For the API server, which pays once and must not pay on a first request, and
    whose framework needs it: FastAPI makes a type adapter per request body when a
    route is declared, and an adapter made for a deferred model fails on its first
    request (pydantic 2.14, ``AttributeError: __pydantic_core_schema__``). Called
    when :mod:`itsm.api.routers` is imported, before any router is.
    """
    pending: list[type[BaseModel]] = [Schema]
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        model.model_config["defer_build"] = False
        if model is not Schema and not model.__pydantic_complete__:
            model.model_rebuild(force=True)
