"""Static files in production: WhiteNoise's compressed manifest storage (hashed names, gzip and Brotli)."""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """The vendored minified scripts name source maps that are not shipped; their references are left as
    they are instead of failing collectstatic (CSS url() references are still rewritten to hashed names)."""

    patterns = tuple((glob, tuple(p for p in pats if "sourceMappingURL" not in str(p)))
                     for glob, pats in ManifestStaticFilesStorage.patterns)
