"""The web app: server-rendered pages from the same FastAPI app as the API.

Routes translate (form fields in, services called, templates rendered); the services
and policy functions decide, as for the API and the CLI.
"""
