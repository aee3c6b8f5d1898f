"""Signed service-to-service JSON calls: signing, the client, the server guard and the OpenAPI registry."""
