"""Prompts live as plain-text Django templates under ``templates/prompts/``."""

from __future__ import annotations


def render_prompt(name: str, **context: object) -> str:
    """Render the prompt template ``templates/prompts/<name>.txt`` (plain text, no escaping)."""
    from django.template import engines

    engine = engines["django"]
    template = engine.from_string(_read_prompt(name))
    return template.render(context).strip()


def _read_prompt(name: str) -> str:
    from django.conf import settings

    if not name.replace("_", "").isalnum():
        raise ValueError(f"invalid prompt name {name!r}")
    path = settings.BASE_DIR / "templates" / "prompts" / f"{name}.txt"
    return "{% autoescape off %}" + path.read_text(encoding="utf-8") + "{% endautoescape %}"
