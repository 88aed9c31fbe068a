"""manage.py createeditor: a development editor account, and how to sign in with it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from writing.services.editors import editor_create


class Command(BaseCommand):
    help = "Development only: create (or reset) an editor account and print how to sign in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="editor")
        parser.add_argument("--password", help="default: a new random one, printed")
        parser.add_argument(
            "--if-missing", action="store_true", help="do nothing when the account exists"
        )
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the site's address")

    def handle(
        self, *args: Any, username: str, password: str | None, if_missing: bool, url: str,
        **options: Any,
    ) -> None:  # fmt: skip
        if settings.PRODUCTION:
            raise CommandError(
                "createeditor is for development; in production use createsuperuser and "
                'add editors to the "editors" group in the admin.'
            )
        login = f"{url.rstrip('/')}/accounts/login/?next=/editor/drafts/"
        if if_missing and get_user_model().objects.filter(username=username).exists():
            self.stdout.write(
                f"Editor account: sign in as {username!r} at {login} "
                f"(`manage.py createeditor` sets a new password)."
            )
            return
        user, password = editor_create(username=username, password=password)
        self.stdout.write(
            f"Editor account: sign in at {login} as {user.get_username()!r} "
            f"with password {password!r}."
        )
