"""URL converters. `<token:…>` matches only what secrets.token_urlsafe makes (URL-safe
base64, 22 to 64 characters, the longest a token column holds), so any other text in a
share-link or invitation URL is a 404 before it reaches a query."""

from __future__ import annotations

from django.urls import register_converter


class TokenConverter:
    regex = "[A-Za-z0-9_-]{22,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# Registered on import, once: both URLconfs that use `<token:…>` import this module first.
register_converter(TokenConverter, "token")
