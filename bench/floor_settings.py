"""Settings for the benchmark server: Safehub's own settings plus one bare view, the framework floor."""

from safehub.settings import *  # noqa: F401,F403 (the benchmark server is Safehub plus one view)

ROOT_URLCONF = "floor_urls"
