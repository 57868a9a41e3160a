"""Clinical facts read from the records, each with its evidence span."""
