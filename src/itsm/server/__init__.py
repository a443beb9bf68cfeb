"""The server both doors share: the app that mounts the API and the web app, and the
request plumbing they both use (database session, settings, client address, live
events, file downloads). The doors import it; it never imports a door's routes
except to mount them (``app.py``)."""
