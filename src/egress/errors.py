"""One error type per stage, caught once at the CLI edge and shown as one line.

A stage raises its own subclass so that the CLI can tell a user what went
wrong and where, and so that no error can pass for a finding or a clean result.
"""

from __future__ import annotations


class EgressError(Exception):
    """Base of every error egress reports to a user (exit code 2)."""


class SourceError(EgressError):
    """A package could not be found, fetched, verified or opened."""


class IntegrityError(SourceError):
    """Downloaded bytes do not match the digest the registry published."""


class SpecError(SourceError):
    """A package spec (npm:name@range, pypi:name==1.0) is malformed or unpinned."""


class AnalysisError(EgressError):
    """The analysis stage itself failed (not one file: that is NotAnalysed)."""


class PolicyError(EgressError):
    """A policy or baseline file is invalid; never read as 'allow all'."""


class ReportError(EgressError):
    """A report could not be rendered or written."""
