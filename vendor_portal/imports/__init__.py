"""imports of the vendor portal."""
