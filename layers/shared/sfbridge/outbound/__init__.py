"""The Outbound Message path: receive (parse, check, store, Ack) and process (dedupe, order, route)."""
