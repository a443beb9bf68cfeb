"""The ``itsm`` terminal interface: parses input, calls services, renders results."""
