"""Integration keys: only a SHA-256 is stored; lookups compare digests in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_BYTES = 32


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_matches(key: str, stored_digest: str) -> bool:
    return hmac.compare_digest(key_digest(key), stored_digest)
