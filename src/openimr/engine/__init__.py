"""Decision engine: facts -> guideline selection -> criteria -> decision -> determination."""
