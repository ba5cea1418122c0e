"""The test suite: tests/<part>/ mirrors registry/<part>/ (docs/architecture.md); helpers in tests/support/."""
