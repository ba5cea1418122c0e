"""Helpers the tests share (users by role, records, sheets, published data, second factor)."""
