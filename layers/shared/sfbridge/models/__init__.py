"""Pydantic models at every boundary: SOAP payloads, queue bodies, events, API bodies, state machine I/O."""
