"""Uploads staged in Redis (MICROBILL_REDIS_URL): every host and the worker see them, a 20 MB upload fits,
each key expires MAX_AGE_SECONDS after the last write, and a kept parse not signed by this app is never
unpickled. Real Redis, no worker."""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import redis

from dashboard.services.import_staging import MAX_AGE_SECONDS, RedisStaging, Staging, staging_of
from dashboard.settings import load_settings
from tests.http.celery_fixtures import redis_url  # noqa: F401 - a fixture


def keys_of(url: str, token: str) -> dict[str, int]:
    client = redis.Redis.from_url(url)
    return {key.decode().rsplit(":", 1)[1]: client.ttl(key) for key in client.keys(f"*{token}*")}


def test_a_20_mb_upload_round_trips_through_redis_with_its_ttl(redis_url, tmp_path):  # noqa: F811
    settings = load_settings({"redis_url": redis_url, "instance_path": str(tmp_path / "a"), "secret_key": "k"})
    staging = staging_of(settings)
    assert isinstance(staging, RedisStaging)
    content = bytes(range(256)) * (settings.import_max_bytes // 256)  # ~20 MB, every byte value
    staged = staging.save(7, 11, "내역.csv", content)
    # Another host (another instance folder, the same Redis and secret) finds the same upload.
    other = staging_of(load_settings({"redis_url": redis_url, "instance_path": str(tmp_path / "b"), "secret_key": "k"}))
    found = other.load(staged.token)
    assert found == staged and (found.user_id, found.line_id, found.filename) == (7, 11, "내역.csv")
    assert other.content(found) == content
    assert not any(Path(tmp_path).rglob("*.bin"))  # nothing on either host's disk
    ttls = keys_of(redis_url, staged.token)
    assert set(ttls) == {"bin", "json"} and all(MAX_AGE_SECONDS - 30 < ttl <= MAX_AGE_SECONDS for ttl in ttls.values())
    staging.keep(staged, {"rows": [1, 2, 3]})
    assert other.kept(found) == {"rows": [1, 2, 3]}
    moved = other.update(found, line_id=12)
    assert staging.load(staged.token).line_id == 12 == moved.line_id
    staging.discard(staged.token)
    assert staging.load(staged.token) is None and keys_of(redis_url, staged.token) == {}


def test_a_touched_upload_lives_on_and_an_untouched_one_expires(redis_url):  # noqa: F811
    staging = RedisStaging(redis_url, "k")
    staged = staging.save(1, 2, "a.csv", b"x")
    client = redis.Redis.from_url(redis_url)
    for part in ("json", "bin"):
        client.expire(f"{RedisStaging.PREFIX}{staged.token}:{part}", 5)
    staging.update(staged, mapping={"일자": "occurred_at"})  # the user chose a mapping: the clock starts again
    assert all(ttl > MAX_AGE_SECONDS - 30 for ttl in keys_of(redis_url, staged.token).values())
    for part in ("json", "bin"):
        client.expire(f"{RedisStaging.PREFIX}{staged.token}:{part}", 1)
    time.sleep(1.5)  # Redis's own clock
    assert staging.load(staged.token) is None


def test_a_kept_value_not_signed_by_this_app_is_never_unpickled(redis_url):  # noqa: F811
    staging = RedisStaging(redis_url, "k")
    staged = staging.save(1, 2, "a.csv", b"x")
    key = f"{RedisStaging.PREFIX}{staged.token}:pkl"
    client = redis.Redis.from_url(redis_url)
    client.set(key, pickle.dumps({"planted": True}))  # someone with access to Redis, not to the secret
    assert staging.kept(staged) is None
    RedisStaging(redis_url, "another-secret").keep(staged, {"planted": True})
    assert staging.kept(staged) is None
    assert staging.load("../../etc/passwd") is None  # tokens are never keys of anything else


def test_without_redis_uploads_stay_in_the_instance_folder(tmp_path):
    staging = staging_of(load_settings({"instance_path": str(tmp_path), "secret_key": "k"}))
    assert type(staging) is Staging
    staged = staging.save(1, 2, "a.csv", b"abc")
    assert (tmp_path / "import-staging" / f"{staged.token}.bin").read_bytes() == b"abc"
    staging.keep(staged, [1])
    assert staging.kept(staged) == [1] and staging.content(staged) == b"abc"
