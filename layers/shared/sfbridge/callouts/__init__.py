"""The Apex callout API: fire-and-forget events, synchronous operations, asynchronous jobs.

`catalog.py` is where event types, operations and jobs are declared; `problems.py` is where every error becomes an
HTTP status; `api.py` is the HTTP face; `events.py`, `operations.py` and `jobs.py` are the three shapes.
"""
