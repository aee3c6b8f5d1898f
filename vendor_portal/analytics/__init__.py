"""analytics of the vendor portal."""
