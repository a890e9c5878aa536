"""The corpus holds notebooks and scripts to lint, not tests: some names end in _test.py."""

collect_ignore = ["corpus"]
