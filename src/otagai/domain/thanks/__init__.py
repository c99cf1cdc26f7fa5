"""Thank-you fees (謝礼): the recommended range, records and payments."""
