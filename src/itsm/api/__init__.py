"""The REST API door: FastAPI app, dependencies, routers (``create_app`` in app.py)."""

from itsm import schema

schema.build_eagerly()
