"""Analytics read models: orders, refunds, fulfilment, customers, products and traffic, fed only by events.

The dashboard reads these tables and nothing else, so it keeps working while every peer is down.
"""
