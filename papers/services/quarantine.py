"""Records set aside: the harvest stores the rest of a page and moves on."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from django.db.models import F
from django.utils import timezone

from papers.harvest.screening import text_clean
from papers.models import HarvestRun, QuarantinedRecord

RECORD_ID_MAX = 100


def record_quarantine(
    *, run: HarvestRun, kind: str, record_id: str, record: object, reason: str
) -> QuarantinedRecord:
    """Keep ``record`` with the reason it was refused; a record seen before counts a sighting.

    The payload is the record as parsed, as JSON with everything outside ASCII escaped, so
    NUL characters and lone surrogates survive as ``\\u0000`` / ``\\ud800`` for a person to see.
    """
    payload = _payload(record)
    key = {
        "source": run.source,
        "kind": kind,
        "record_id": text_clean(record_id)[:RECORD_ID_MAX],
        "payload_hash": hashlib.sha256(payload.encode()).hexdigest(),
    }
    quarantined, created = QuarantinedRecord.objects.get_or_create(
        **key, defaults={"payload": payload, "reason": text_clean(reason), "run": run}
    )
    if not created:
        QuarantinedRecord.objects.filter(pk=quarantined.pk).update(
            sightings=F("sightings") + 1,
            last_seen=timezone.now(),
            run=run,
            reason=text_clean(reason),
        )
        quarantined.refresh_from_db()
    return quarantined


def _payload(record: object) -> str:
    data = (
        dataclasses.asdict(record)
        if dataclasses.is_dataclass(record) and not isinstance(record, type)
        else record
    )
    return json.dumps(data, ensure_ascii=True, indent=1, sort_keys=True, default=str)
