"""What the registry publishes: publication state and build, the API, open data, the portal, maps."""
