"""Editor accounts: members of the "editors" group (its permissions: digest migration 0005)."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.db import transaction

EDITORS_GROUP = "editors"


def editor_create(*, username: str, password: str | None = None) -> tuple[AbstractUser, str]:
    """Create or update ``username`` as an editor (and staff, for /status/ and the admin).

    Sets ``password``, or a new random one when it is None; returns the user and the
    password so that the caller can say how to sign in.
    """
    password = password or secrets.token_urlsafe(12)
    with transaction.atomic():
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.is_staff = True
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user, password
