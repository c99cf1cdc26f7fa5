"""Share series (定期のお願い): recurring agreements."""
