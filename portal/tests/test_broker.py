"""The embedded broker never hands a worker a half-written message and survives a malformed one."""

import logging
import os
import threading
from queue import Empty

import pytest
from kombu import Connection

import portal.celery  # noqa: F401  (points filesystem:// at portal.broker)
from portal import broker


@pytest.fixture
def channel(tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    (tmp_path / "control").mkdir()
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder),
               "control_folder": str(tmp_path / "control")}
    with Connection("filesystem://", transport_options=options) as connection:
        yield connection.channel()


def test_filesystem_urls_use_the_atomic_transport(channel):
    assert isinstance(channel, broker.Channel)


def test_a_message_is_invisible_until_it_is_whole(channel, monkeypatch):
    real_replace = os.replace
    seen = []

    def replace(source, destination):
        with pytest.raises(Empty):
            channel._get("celery")  # the partial file is there, fully written, but not yet a message
        with open(source, "rb") as handle:
            seen.append(len(handle.read()))
        real_replace(source, destination)

    monkeypatch.setattr(broker.os, "replace", replace)
    channel._put("celery", {"body": "x" * 50_000})
    assert seen and seen[0] > 50_000
    assert channel._get("celery") == {"body": "x" * 50_000}


def test_a_malformed_message_is_logged_and_dropped(channel, caplog):
    folder = channel.data_folder_in
    open(os.path.join(folder, "0000_aaaa.celery.msg"), "wb").close()  # created, never written (sorts first)
    with open(os.path.join(folder, "0001_bbbb.celery.msg"), "wb") as handle:
        handle.write(b"{not json")
    channel._put("celery", {"ok": True})
    with caplog.at_level(logging.ERROR, logger="portal.broker"):
        assert channel._get("celery") == {"ok": True}
    assert caplog.text.count("dropped a malformed message") == 2
    with pytest.raises(Empty):
        channel._get("celery")


def test_concurrent_producers_lose_nothing(channel):
    payload = "y" * 100_000
    producers = [threading.Thread(target=lambda n=n: [channel._put("celery", {"n": n, "i": i, "p": payload})
                                                       for i in range(40)]) for n in range(3)]
    received = []
    for thread in producers:
        thread.start()
    while len(received) < 120:
        try:
            message = channel._get("celery")
        except Empty:
            if not any(thread.is_alive() for thread in producers) and channel._size("celery") == 0:
                break
            continue
        assert message["p"] == payload
        received.append((message["n"], message["i"]))
    for thread in producers:
        thread.join()
    assert sorted(received) == sorted((n, i) for n in range(3) for i in range(40))
