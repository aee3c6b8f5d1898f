"""orders of the vendor portal."""
