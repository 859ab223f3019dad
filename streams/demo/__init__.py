"""``leadstream demo``'s scenario on the real local stack (``run``) and what it waits for,
read off the output topics with deadlines (``watch``).

May import anything in ``streams``; nothing imports it but ``streams.cli.demo``.
"""

__all__ = ["run", "watch"]
