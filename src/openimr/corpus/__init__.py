"""Published letters as data: evaluation against real decisions, outcome tables."""
