"""Pandera schemas built from datapackage.json, plus the cross-table rules Table Schema cannot state."""

from .archives import archive_problems
from .build import aligned, build_schema, check_table, resource_rules
from .context import Context
from .coverage import coverage_problems

__all__ = ["Context", "aligned", "archive_problems", "build_schema", "check_table", "coverage_problems", "resource_rules"]
