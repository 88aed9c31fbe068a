"""Editorial domain: research logs, Pulse of AI, subscriptions (filled by later issues)."""
