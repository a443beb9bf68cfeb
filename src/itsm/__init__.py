"""itsm: IT support management — help desk, inventory, knowledge base and diagnostics."""

__version__ = "0.1.0"
