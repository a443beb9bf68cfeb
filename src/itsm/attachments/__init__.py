"""Files attached to tickets and their comments: stored outside the database."""
