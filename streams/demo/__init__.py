"""``leadstream demo``'s scenario on the real local stack (``run``), what it waits for,
read off the output topics with deadlines (``watch``), and its dashboard child
(``dashboard``), left running at the end like the stack.

May import anything in ``streams``; nothing imports it but ``streams.cli.demo``.
"""

__all__ = ["dashboard", "run", "watch"]
