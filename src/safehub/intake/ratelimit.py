"""Per-client rate limits for the public pages, counted in the cache in fixed windows."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the entry a trusted reverse proxy added to X-Forwarded-For."""
    proxies = settings.SAFEHUB_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies][:45]
    return request.META.get("REMOTE_ADDR", "")[:45]


def client_key(request):
    """A short hash of the client address: enough to group a client's events, never the address itself."""
    return hashlib.sha256(client_ip(request).encode()).hexdigest()[:24]


def count(request, bucket):
    """Count one event for this client in the current window; return how many it has had in the window."""
    window = settings.SAFEHUB_RATE_WINDOW_SECONDS
    key = f"rate:{bucket}:{client_key(request)}:{int(time.time() // window)}"
    if isinstance(caches["default"], RedisCache):
        return _count_in_redis(caches["default"], key, window)
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def allow(request, bucket, limit):
    """Count one event for this client; False once it has used up `limit` in the current window."""
    return count(request, bucket) <= limit


def _count_in_redis(redis_cache, key, window):
    """The same count in one round trip: Django's add then incr is three (SET NX, EXISTS, INCRBY), on every public
    page sent. The counter is a plain integer, as Django's Redis cache stores integers, so cache.get reads it."""
    stored_key = redis_cache.make_and_validate_key(key)
    pipeline = redis_cache._cache.get_client(stored_key, write=True).pipeline(transaction=False)
    pipeline.set(stored_key, 0, ex=window, nx=True)
    pipeline.incr(stored_key)
    return pipeline.execute()[1]
