"""registry/core and registry/models: records, history, permissions and scope (the role matrices)."""
