"""``python -m streams.cli``: the ``leadstream`` command without its console script."""

from streams.cli import main

main()
