"""Open data of the published survey rounds (issue 15)."""
