"""The ``cnscd`` subcommands, one module per group: ``registry`` (init, demo, stats, verify,
passwd, recover, backup, restore, the TUI), ``export`` (export, usb), ``imports`` (import,
template); ``common`` holds what they share. ``cnscd_tui.cli`` builds the parser from them."""
