from django.utils.cache import add_never_cache_headers


class NeverCachePagesMiddleware:
    """Pages and API answers hold personal data: no browser or proxy may keep a copy (static files,
    served by WhiteNoise before this, are cached as usual)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
