"""State changes of the alerts module (do_* functions), one file per domain."""
