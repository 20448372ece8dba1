"""The store on an S3-compatible object store: an S3 server (moto) on loopback, the AWS variables set as a deployment
sets them, and the real command line, ingest path, restore, app, concurrent writers and documented DuckDB example on it.

The server runs in a child process, not in a thread of the test process: several ``deltalake`` calls (``history``,
``restore``, ``is_deltatable``) hold the GIL while they wait for the network, so a server thread in the same process
could never answer them. The server logs every PUT of a Delta commit file with its ``If-None-Match`` header and the
status it answered, which is how the tests see that commits are conditional writes the server arbitrates.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import boto3
import pandas as pd
import pytest
from botocore.exceptions import ClientError

from dashboard.present.exports import csv_bytes
from dashboard.storage.store import Store
from tests.conftest import app_as
from tests.store_worker import frame

ROOT = Path(__file__).resolve().parent.parent
REGION = "eu-central-1"

SERVER = """
import sys
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

log = open(sys.argv[1], "a", buffering=1)
app = DomainDispatcherApplication(create_backend_app)


def logged(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if environ["REQUEST_METHOD"] != "PUT" or "/_delta_log/" not in path or not path.endswith(".json"):
        return app(environ, start_response)
    condition = environ.get("HTTP_IF_NONE_MATCH", "-")

    def logging_start_response(status, headers, *rest):
        log.write(f"{path} {condition} {status.split()[0]}\\n")
        return start_response(status, headers, *rest)

    return app(environ, logging_start_response)


server = make_server("127.0.0.1", 0, logged, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    commit_log: Path

    def commit_puts(self, prefix: str) -> list[tuple[str, str, int]]:
        """(version file, If-None-Match, status) of every PUT of a commit file under ``/prefix/``."""
        rows = []
        for line in self.commit_log.read_text().splitlines():
            path, condition, status = line.split()
            if path.startswith(f"/{prefix}/"):
                rows.append((path.rsplit("/", 1)[1], condition, int(status)))
        return rows


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    log = tmp_path_factory.mktemp("s3") / "commit-puts.log"
    log.touch()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(log)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield S3Server(f"http://127.0.0.1:{port}", log)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def s3_root(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new bucket on the server and the AWS variables a deployment would set; returns the store root in it."""
    for name in [n for n in os.environ if n.startswith("AWS_")] + ["IMPACT_STORE"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint)
    monkeypatch.setenv("AWS_ALLOW_HTTP", "true")
    bucket = f"impact-{uuid.uuid4().hex[:12]}"
    s3().create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return f"s3://{bucket}/store"


def s3():
    return boto3.client("s3")  # endpoint, region and keys from the environment, as the app gets them


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m dashboard`` in a new process with this process's environment (the AWS variables included)."""
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=180
    )


def test_s3_roots_get_conditional_commits_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_CONDITIONAL_PUT", raising=False)
    assert Store("s3://bucket/store").storage_options == {"conditional_put": "etag"}
    assert Store.from_env("s3a://bucket/store/").storage_options == {"conditional_put": "etag"}
    assert Store("s3://bucket/store", {"AWS_CONDITIONAL_PUT": "etag"}).storage_options == {
        "AWS_CONDITIONAL_PUT": "etag"
    }
    assert Store("/tmp/store").storage_options is None
    monkeypatch.setenv("AWS_CONDITIONAL_PUT", "etag")  # the environment's choice is left to deltalake to read
    assert Store("s3://bucket/store").storage_options is None


def test_the_server_refuses_to_create_a_key_twice(s3_root: str) -> None:
    """The premise of the concurrency test: the server honours If-None-Match, as AWS S3 does."""
    bucket = s3_root.removeprefix("s3://").split("/")[0]
    s3().put_object(Bucket=bucket, Key="probe", Body=b"first", IfNoneMatch="*")
    with pytest.raises(ClientError) as refused:
        s3().put_object(Bucket=bucket, Key="probe", Body=b"second", IfNoneMatch="*")
    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
    assert s3().get_object(Bucket=bucket, Key="probe")["Body"].read() == b"first"


def test_init_upload_read_and_restore_on_s3(s3_root: str, tmp_path: Path) -> None:
    result = run_cli("init", "--store", s3_root)
    assert result.returncode == 0, result.stderr
    assert "Seeded sample data" in result.stdout
    store = Store(s3_root)
    assert store.is_initialised()
    sample = pd.read_csv(ROOT / "sample_data" / "workforce.csv")
    assert len(store.read_indicators("workforce", "published")) == len(sample)

    # an upload of 2026 Q4 through the real ingest path, in its own process
    rows = store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    upload = rows[rows["quarter"] == 3].assign(quarter=4, note="sent to the bucket")
    path = tmp_path / "workforce_2026q4.csv"
    path.write_bytes(csv_bytes(upload))
    before = store.version("submitted/workforce")
    result = run_cli("ingest", str(path), "--dataset", "workforce", "--store", s3_root, "--user", "ana", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["accepted"] is True and payload["table_version"] == before + 1
    assert payload["slices"] == [{"partnership_id": "att-imago", "year": 2026, "quarter": 4}]

    # read back: the rows of the file, as sent
    back = store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    back = back[back["quarter"] == 4]
    key = ["indicator_id", "dimension", "category"]
    assert back.sort_values(key)["value"].tolist() == upload.sort_values(key)["value"].tolist()
    assert set(back["note"]) == {"sent to the bucket"}
    assert store.read_audit().iloc[0][["user", "action", "source_name"]].tolist() == ["ana", "upload", path.name]

    # restore the version before the upload: a new version, audited
    result = run_cli("restore", "--dataset", "workforce", "--version", str(before), "--store", s3_root, "--user", "ed")
    assert result.returncode == 0, result.stderr
    assert f"now version {before + 2}" in result.stdout
    after = store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    assert 4 not in set(after["quarter"])
    audit = store.read_audit().iloc[0]
    assert (audit["action"], audit["user"], audit["table"]) == ("restore", "ed", "submitted/workforce")
    assert (audit["table_version"], audit["message"]) == (before + 2, f"restored to version {before}")
    assert store.history("submitted/workforce")["version"].iloc[0] == before + 2


def test_the_app_opens_on_an_empty_s3_store_and_shows_the_public_view(
    s3_root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPACT_STORE", s3_root)
    app = app_as("anonymous").run()  # the first start seeds the bucket with the sample data
    assert not app.exception
    assert app.title[0].value == "Partnership impact"
    listed = set(app.dataframe[-1].value["Partnership"])
    assert len(listed) == 7 and "Circular Jobs Berlin" not in listed
    assert not Store(s3_root).read_indicators("education", "published").empty


def test_concurrent_writers_on_s3_each_commit_their_own_version(s3_root: str, s3_server: S3Server) -> None:
    store = Store(s3_root)
    store.create_tables()
    threads = [f"thread{i}" for i in range(6)]
    start = threading.Barrier(len(threads))

    def commit(partnership: str) -> int | None:
        start.wait()  # all threads commit at once, from the same table version
        return store.commit_indicators(frame(partnership, 50, 1.0), "workforce", user=partnership).version

    with ThreadPoolExecutor(max_workers=len(threads)) as pool:
        versions = list(pool.map(commit, threads))
    assert sorted(versions) == list(range(1, len(threads) + 1))  # every commit on a version of its own

    processes = [f"proc{i}" for i in range(3)]
    workers = [
        subprocess.Popen([sys.executable, "-m", "tests.store_worker", s3_root, name, "100", str(i)], cwd=ROOT)
        for i, name in enumerate(processes)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0] * len(processes)

    stored = Store(s3_root).read_indicators("workforce", "submitted")
    expected = {**dict.fromkeys(threads, 50), **dict.fromkeys(processes, 100)}
    assert stored.groupby("partnership_id").size().to_dict() == expected
    commits = len(threads) + len(processes)
    assert store.version("submitted/workforce") == commits
    audit = store.read_audit()
    assert sorted(audit["table_version"]) == list(range(1, commits + 1))
    assert set(audit["user"]) == set(threads) | {f"worker-{p}" for p in processes}

    # Every commit file was a conditional create, each version was created exactly once, and the race was real:
    # the server refused writers that tried to take a version someone else had just taken.
    puts = s3_server.commit_puts(s3_root.removeprefix("s3://") + "/submitted/workforce/_delta_log")
    assert puts and {condition for _, condition, _ in puts} == {"*"}
    created = sorted(name for name, _, status in puts if status == 200)
    assert created == [f"{v:020d}.json" for v in range(commits + 1)]
    assert any(status == 412 for _, _, status in puts)
    assert {status for _, _, status in puts} <= {200, 412}


SCALE_DOC = ROOT / "docs" / "running" / "scale.md"


def documented_duckdb_example() -> str:
    """The DuckDB example of docs/running/scale.md, section "Reading the tables from DuckDB, Spark or Trino"."""
    doc = SCALE_DOC.read_text(encoding="utf-8")
    section = doc.partition("## Reading the tables from DuckDB, Spark or Trino")[2].partition("\n## ")[0]
    blocks = [b for b in re.findall(r"```python\n(.*?)```", section, re.DOTALL) if "import duckdb" in b]
    assert len(blocks) == 1, (
        "docs/running/scale.md: no DuckDB example (```python with `import duckdb`) "
        "under 'Reading the tables from DuckDB, Spark or Trino'"
    )
    return blocks[0]


def run_documented_example(store_root: str) -> pd.DataFrame:
    code, count = re.subn(r'(?m)^store = "[^"]*"', f"store = {store_root!r}", documented_duckdb_example())
    assert count == 1, 'the example names the store in one line `store = "..."`'
    namespace: dict = {"print": lambda *args: None}
    exec(compile(code, "docs/running/scale.md (DuckDB example)", "exec"), namespace)
    return namespace["headcount"]


def pandas_headcount(store: Store) -> pd.DataFrame:
    rows = store.read_indicators("workforce", "published")
    rows = rows[(rows["indicator_id"] == "workforce_headcount") & (rows["dimension"] == "total")]
    result = rows.groupby(["year", "quarter"], as_index=False)["value"].sum().rename(columns={"value": "headcount"})
    return result.astype({"year": "int64", "quarter": "int64", "headcount": "float64"})


def test_the_documented_duckdb_example_on_s3_and_on_a_local_store(s3_root: str, sample_store: Store) -> None:
    # The local sample store, copied file by file into the bucket: tables hold relative paths, so it is the same store.
    bucket, _, prefix = s3_root.removeprefix("s3://").partition("/")
    local = Path(sample_store.root)
    for path in local.rglob("*"):
        if path.is_file() and path.name != ".seed.lock":
            s3().upload_file(str(path), bucket, f"{prefix}/{path.relative_to(local).as_posix()}")
    expected = pandas_headcount(sample_store)
    assert len(expected) == 19  # 2022 Q1 - 2026 Q3
    for root in (s3_root, sample_store.root):
        result = run_documented_example(root)
        pd.testing.assert_frame_equal(result.astype(expected.dtypes.to_dict()), expected)
    assert pandas_headcount(Store(s3_root)).equals(expected)
