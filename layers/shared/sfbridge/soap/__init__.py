"""SOAP 1.1 for Salesforce Outbound Messages: namespaces, the hardened parser, envelope reading, Ack and Fault."""
