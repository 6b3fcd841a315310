"""The domain: the only app that owns Haven's data."""
