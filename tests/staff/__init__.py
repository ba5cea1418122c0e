"""registry/staff: home, list pages and downloads, watches and notifications; Japanese on every page."""
