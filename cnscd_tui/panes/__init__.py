"""The main screen's tabs, one module per tab; ``base`` holds what they share.

Nothing is imported here: the panes load when the main screen is built, after the
passphrase, so that start-up and ``cnscd --help`` stay fast."""
