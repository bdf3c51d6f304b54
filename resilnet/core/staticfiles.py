"""Static files in production: content-hashed names, cached for a year, gzip and brotli
made ahead of time, collected only when a source file changed.

With DEBUG off the pages name every file by its hash (`site.3f2a1c9e4b7d.css`), so
WhiteNoise sends it with `Cache-Control: max-age=31536000, immutable` and a reader on
a slow line fetches it once; a changed file gets a new name. The unhashed copies stay
in STATIC_ROOT (short cache) for links that name them.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path
from typing import Any

import django
import whitenoise.compress
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig
from whitenoise.storage import CompressedManifestStaticFilesStorage

# What collectstatic leaves out of the npm packages' folders: source maps, the
# unminified and type-declaration builds, MapLibre's non-CSP build (its blob: worker is
# refused by our Content-Security-Policy) and the world atlas at the 10m scale or as
# land only. No page uses them, and compressing their ~45 MB took most of the time
# collectstatic ran at start-up. A page that needs one of them fails its tests
# ("Missing staticfiles manifest entry"): remove its pattern here.
# Patterns match a name inside its package's folder (STATICFILES_DIRS), without prefix.
UNUSED_VENDOR_FILES = [
    "*.map",
    "*-dev.js",
    "*.d.ts",
    "maplibre-gl.js",
    "*-10m.json",
    "land-*.json",
]


class StaticFilesConfig(DjangoStaticFilesConfig):
    """django.contrib.staticfiles, collecting only what the pages use."""

    ignore_patterns = [*DjangoStaticFilesConfig.ignore_patterns, *UNUSED_VENDOR_FILES]


class Compressor(whitenoise.compress.Compressor):
    @staticmethod
    def compress_brotli(data: bytes) -> bytes:
        # Quality 10, not brotli's default 11: measured on maplibre-gl-csp.js (951 KB),
        # 2% more bytes (205,837 against 202,306) in a third of the time (0.7 s against
        # 2.3 s), which is what decides how long the first start after an upgrade takes.
        import brotli

        return bytes(brotli.compress(data, quality=10))


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's manifest storage, rewriting CSS url() and @import to hashed names but
    leaving `sourceMappingURL` comments alone: the maps are not collected (above), and a
    vendor file naming a map its package does not ship would otherwise stop collectstatic."""

    patterns = (
        (
            "*.css",
            (
                r"""(?P<matched>url\(['"]{0,1}\s*(?P<url>.*?)["']{0,1}\))""",
                (
                    r"""(?P<matched>@import\s*["']\s*(?P<url>.*?)["'])""",
                    """@import url("%(url)s")""",
                ),
            ),
        ),
    )

    def create_compressor(self, **kwargs: Any) -> Compressor:
        return Compressor(**kwargs)

    def compress_files(self, paths: Any) -> Any:
        # WhiteNoise compresses each file twice, as its own name and as its hashed name.
        # The pages name only the hashed ones: the rest are sent as they are, which
        # halves the time brotli takes. (The manifest is complete by the time this runs.)
        hashed = set(self.hashed_files.values())
        return super().compress_files([path for path in paths if path in hashed])


whitenoise_version = version("whitenoise")
STAMP = ".collected"  # in STATIC_ROOT: deleting the folder deletes the stamp with it


def sources_fingerprint() -> str:
    """A digest of every file collectstatic would collect (name, size, modification time)
    and of the code that processes them: equal digests, equal STATIC_ROOT."""
    ignore = StaticFilesConfig.ignore_patterns
    processing = [
        settings.STORAGES["staticfiles"]["BACKEND"],
        django.__version__,
        whitenoise_version,
    ]
    digest = hashlib.sha256("\0".join(processing).encode())
    rows = []
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore):
            stat = Path(storage.path(path)).stat()
            prefix = getattr(storage, "prefix", None) or ""
            rows.append(f"{prefix}/{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    for row in sorted(rows):
        digest.update(row.encode() + b"\n")
    return digest.hexdigest()


def collect_static() -> bool:
    """Run collectstatic unless STATIC_ROOT already holds the current files; True if it ran.
    Hashing and compressing takes seconds; checking the stamp, milliseconds."""
    from django.core.management import call_command

    root = Path(settings.STATIC_ROOT)
    fingerprint = sources_fingerprint()
    stamp = root / STAMP
    if stamp.is_file() and stamp.read_text() == fingerprint:
        return False
    stamp.unlink(missing_ok=True)  # half-collected files never pass for current ones
    call_command("collectstatic", "--no-input", "--verbosity", "0")
    stamp.write_text(fingerprint)
    return True
