"""registry/sheets: reading files, the import engine, each sheet kind, bad files and their bounds."""
