"""Pure rules: Salesforce IDs, sender checks, record versions, routing. No I/O here."""
