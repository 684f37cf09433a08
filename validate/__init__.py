"""Validator for this data package: `python -m validate [PATH]`."""
