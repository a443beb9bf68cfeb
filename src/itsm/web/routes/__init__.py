"""The web app's routers, in the order they are mounted."""
