"""Plumbing shared by the three Marketplace services: config, database, signed internal calls, events, logs."""
