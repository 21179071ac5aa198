"""The optional dependencies a command needs, checked before it starts its work.

A missing one is a :class:`~policyflow.errors.MissingExtra`: one line ending with the
exact ``pip install 'policyflow[…]'`` that brings it, and exit 2, never a traceback.
"""

from __future__ import annotations

import importlib.util

from policyflow.errors import MissingExtra


def require(package: str, feature: str, *, extra: str) -> None:
    """Check that `package` can be imported, without importing it.

    Raises:
        MissingExtra: it cannot; the message names `feature` and the extra to install.
    """
    if importlib.util.find_spec(package) is None:
        raise MissingExtra(feature, extra=extra, package=package)
