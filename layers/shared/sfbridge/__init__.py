"""sfbridge: receive what Salesforce sends out (Outbound Messages and Apex callouts) on AWS."""

__version__ = "0.1.0"
