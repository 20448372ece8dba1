"""Object stores (S3 and S3-compatible servers): the storage options a store root gets from its scheme."""

from __future__ import annotations

import os
from collections.abc import Mapping

S3_SCHEMES = ("s3://", "s3a://")
S3_COMMIT_OPTIONS: Mapping[str, str] = {"conditional_put": "etag"}
"""Storage options every ``s3://`` store gets unless its caller or the environment (``AWS_CONDITIONAL_PUT``) says
otherwise: commit files are created with ``If-None-Match: *``, so of two writers racing for one table version exactly
one wins and the other retries on the next version (no DynamoDB lock; delta-rs 1.x no longer has one). This is already
the default of deltalake 1.6; it is pinned here so an upgrade cannot quietly change it. The endpoint must honour
conditional writes: AWS S3 does, and so must any S3-compatible server used with more than one writer."""


def object_store_options(root: str, storage_options: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """The delta-rs storage options for a store root: ``storage_options`` over the defaults of its scheme.

    Credentials, region and endpoint are not copied here: delta-rs reads ``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL_S3`` /
    ``AWS_ENDPOINT_URL`` and ``AWS_ALLOW_HTTP`` from the environment itself, each time a table is opened.
    """
    options = dict(storage_options or {})
    if root.lower().startswith(S3_SCHEMES):
        given = {_option_name(key) for key in [*options, *os.environ]}
        options.update({key: value for key, value in S3_COMMIT_OPTIONS.items() if key not in given})
    return options or None


def _option_name(key: str) -> str:
    """An object-store option's name without case or ``aws_`` prefix (``AWS_CONDITIONAL_PUT`` -> ``conditional_put``),
    as delta-rs matches them."""
    return key.lower().removeprefix("aws_")
