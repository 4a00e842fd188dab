"""Saving and reading projects, measures and their data, PDSA cycles and observations.

All SQL for these entities lives here; pages and the command line call these functions.
Every public writer runs in one transaction (joining the caller's, if any) and leaves an
audit event.
"""
