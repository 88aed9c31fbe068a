"""Django's PostgreSQL backend, starting the embedded server on the first connection.

``DATABASES["default"]["DATA_DIR"]`` names the folder holding ``pgdata``; the socket
directory the server listens on is known only once it runs, so it is filled in here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.backends.postgresql import base

from digest.lib.embedded_pg import embedded_server_socket


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        params["host"] = str(embedded_server_socket(data_dir=Path(self.settings_dict["DATA_DIR"])))
        params.setdefault("user", "postgres")
        return params
