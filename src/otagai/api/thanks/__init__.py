"""Thank-yous (謝礼) of a match."""
