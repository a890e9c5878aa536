"""heldout: hands-on ML exercises whose grader judges methodology from what the code actually did."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "grade", "load_ipython_extension", "load_manifest", "unload_ipython_extension"]


def __getattr__(name: str):  # lazy: `import heldout` must stay cheap inside the candidate's kernel
    if name == "grade":
        from heldout.grading import grade

        return grade
    if name == "load_manifest":
        from heldout.manifest import load_manifest

        return load_manifest
    raise AttributeError(name)


def load_ipython_extension(ipython) -> None:
    """``%load_ext heldout``: live feedback after every cell of this kernel (heldout.live)."""
    from heldout.live import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython) -> None:
    from heldout.live import unload_ipython_extension as unload

    unload(ipython)
