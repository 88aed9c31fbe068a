"""Readers for benchmarks/web_load.py (run by it; not a benchmark on its own).

Each reader opens the home page (a tab, or the next infinite-scroll page), a search
(1-6 words of a real title) or a paper page, a third of the time each.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, between, constant, task

DATA = json.loads(Path(os.environ["WEB_LOAD_DATA"]).read_text())
HOME = ["/", "/", "/", "/?window=week", "/?window=month", "/?page=2"]


class Reader(FastHttpUser):
    wait_time = between(0.5, 1.5) if os.environ.get("WEB_LOAD_WAIT") == "1" else constant(0)

    @task
    def home(self) -> None:
        self.client.get(random.choice(HOME), name="home")

    @task
    def search(self) -> None:
        self.client.get("/search", params={"q": random.choice(DATA["queries"])}, name="search")

    @task
    def paper(self) -> None:
        self.client.get(f"/papers/{random.choice(DATA['paper_ids'])}/", name="paper")
