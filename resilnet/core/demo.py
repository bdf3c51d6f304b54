"""Demo data: one account per role, passwords generated once and kept in VAR_DIR."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from django.conf import settings

from resilnet.core import services
from resilnet.core.models import Role, User

DEMO_USERS = [
    ("admin", [Role.ADMINISTRATOR], True),
    ("contributor", [Role.CONTRIBUTOR], False),
    ("moderator", [Role.MODERATOR, Role.CONTRIBUTOR], False),
    ("author", [Role.ALERT_AUTHOR], False),
    ("approver", [Role.ALERT_APPROVER], False),
    ("analyst", [Role.ANALYST], False),
    ("planner", [Role.PLANNER], False),
]


def credentials_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-credentials.json"


def load_demo_data() -> list[tuple[str, str, list[str]]]:
    """Create the demo accounts that do not exist yet; return (username, password, roles)."""
    path = credentials_file()
    saved: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    shown = []
    for username, roles, superuser in DEMO_USERS:
        password = saved.get(username) or f"demo-{secrets.token_urlsafe(9)}"
        if not User.objects.filter(username=username).exists():
            services.do_create_user(
                None,
                username=username,
                password=password,
                email=f"{username}@demo.invalid",
                roles=roles,
                organisation="resilnet demo",
                is_superuser=superuser,
            )
            saved[username] = password
        shown.append((username, saved.get(username, "(set before)"), [str(r) for r in roles]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(saved, indent=2))
    path.chmod(0o600)
    return shown
