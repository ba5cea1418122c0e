"""config/, bin/ and docs/: settings, serving, two servers, backup and restore, load, the docs and layout."""
