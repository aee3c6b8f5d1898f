"""inventory of the vendor portal."""
