from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from safehub.access.policy import is_signed_in


def role_required(*roles):
    """The view needs a signed-in user (password and second factor) holding one of these roles."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not is_signed_in(user) or user.is_system:
                return redirect(f"/accounts/login/?next={request.path}")
            if user.role not in roles:
                from safehub.audit.trail import record

                record("access_denied", user=user, object_type="page", object_id=request.path[:40], request=request)
                raise PermissionDenied("Your role does not allow this page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
