"""Issue 7: every bad input is refused with a message an analyst understands; every accepted input
gives a result whose books balance. Each test is one row of ``docs/reliability.md``."""
