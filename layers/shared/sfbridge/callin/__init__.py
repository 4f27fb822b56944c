"""Remote call-in: what sfbridge writes into Salesforce (job results as Platform Events)."""
