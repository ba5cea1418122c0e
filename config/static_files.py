"""Static files served by the application server (WhiteNoise), with or without ``collectstatic`` having run."""
import os

from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, quiet about a STATIC_ROOT that ``collectstatic`` has not made yet (a fresh clone, the tests):
    the apps' own static directories are served through the finders then (``WHITENOISE_USE_FINDERS``)."""

    def add_files(self, root, prefix=None):
        if self.autorefresh or os.path.isdir(root):
            super().add_files(root, prefix=prefix)
