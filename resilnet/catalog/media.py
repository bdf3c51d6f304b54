"""What a person sees of a podcast episode or a video: a player, a duration and a size in
words ("38 min 53 s", "37.3 MB"), never the raw URL and byte count of the record."""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from resilnet.catalog.models import Record
from resilnet.catalog.taxonomy import Collection

# Fields the player and its caption show; a record page leaves them out of its details.
SHOWN_BY_THE_PLAYER = {"audio_url", "audio_type", "audio_bytes", "video_url", "duration_seconds"}
# Decimal units, as storage makers and download dialogs count (37,331,182 bytes: 37.3 MB).
_UNITS = ((10**9, "GB"), (10**6, "MB"), (10**3, "kB"))


def human_duration(seconds: int) -> str:
    """`1 h 02 min`, `38 min 53 s`, `45 s`, in the page's language."""
    minutes, secs = divmod(max(0, int(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": secs}
    return _("%(seconds)d s") % {"seconds": secs}


def human_size(size: int) -> str:
    """`37.3 MB` (decimal separator of the page's language); bytes below a kilobyte."""
    for factor, unit in _UNITS:
        if size >= factor:
            return f"{number_format(size / factor, 1)} {unit}"
    return _("%(count)d bytes") % {"count": max(0, int(size))}


def player(record: Record) -> dict[str, Any] | None:
    """What the player of a podcast episode or video needs, or None for other records."""
    fields = record.fields
    if record.collection == Collection.PODCAST and fields.get("audio_url"):
        kind, url, mime = "audio", fields["audio_url"], fields.get("audio_type") or "audio/mpeg"
    elif record.collection == Collection.VIDEO and fields.get("video_url"):
        kind, url, mime = "video", fields["video_url"], ""
    else:
        return None
    return {
        "kind": kind,
        "url": url,
        "type": mime,
        "duration": human_duration(fields["duration_seconds"])
        if fields.get("duration_seconds")
        else "",
        "size": human_size(fields["audio_bytes"]) if fields.get("audio_bytes") else "",
        "episode": fields.get("episode"),
    }
