"""The public status page: status updates, scheduled maintenance, the public views and feeds, the one
Statuspage v2 serializer module (v2.py), HTTP caching and the rate limit."""
