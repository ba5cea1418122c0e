"""Rules every part shares: scope (permissions), history, change stamps, search, the file writer."""
