class AccessSessionMiddleware:
    """Tell the access policy which session a signed-in user is in: break-glass access lasts one session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            request.user.access_session_key = request.session.session_key
        return self.get_response(request)
