"""One module per library the tracer hooks, each defining ``HOOKS`` (a heldout.trace.hookset.HookSet).

A module imports its library only inside ``install``, so listing it costs nothing where the library
is never used.
"""
