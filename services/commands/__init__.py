"""The `ucj` commands that are not a subsystem of their own, each a thin parser and run()."""
