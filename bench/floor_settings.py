"""Settings for the benchmark server: Safehub's own settings plus one bare view, the framework floor."""

from safehub.settings import *

ROOT_URLCONF = "floor_urls"
