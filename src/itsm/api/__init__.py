"""The REST API door: FastAPI app, dependencies, routers (``create_app`` in app.py)."""
