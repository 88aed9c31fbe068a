"""One console line per step of a long job: counts, rate and time left, read at a glance."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` units, going at ``rate`` units a second (0: not known yet)."""

    stage: str
    done: int
    total: int
    unit: str
    rate: float = 0.0

    @property
    def remaining(self) -> int:
        return max(0, self.total - self.done)

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the current rate; None while the rate is unknown."""
        return self.remaining / self.rate if self.rate > 0 else None

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else min(100, round(100 * self.done / self.total))

    def line(self) -> str:
        """``embedding 2,048 / 6,642 papers · 31 papers/s · ~2 min left``."""
        parts = [f"{self.stage} {self.done:,} / {self.total:,} {self.unit}"]
        if self.rate > 0:
            parts.append(f"{self.rate:,.0f} {self.unit}/s" if self.rate >= 1 else
                         f"{self.rate * 60:,.1f} {self.unit}/min")  # fmt: skip
        if self.remaining == 0:
            parts.append("done")
        elif (eta := self.eta_s) is not None:
            parts.append(f"~{duration(eta)} left")
        return " · ".join(parts)


def duration(seconds: float) -> str:
    """``45 s``, ``2 min``, ``1 h 05 min``: a person's reading of a time left."""
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"
