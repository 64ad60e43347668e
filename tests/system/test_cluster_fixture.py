"""The `cluster3` fixture itself (cluster.py): three brokers registered in ZooKeeper, a killed
broker leaving /brokers/ids when its session expires, and coming back when restarted."""

from __future__ import annotations

import json

from cluster import SESSION_TIMEOUT_MS


def test_three_brokers_register_under_the_test_chroot(cluster3):
    assert cluster3.registered_ids() == {1, 2, 3}
    for broker_id in (1, 2, 3):
        registration = json.loads(cluster3.zk().get(f"/brokers/ids/{broker_id}")[0])
        assert registration["port"] == cluster3.broker_port(broker_id)
        assert cluster3.log_dir(broker_id).is_dir()
    assert len({cluster3.log_dir(broker_id) for broker_id in (1, 2, 3)}) == 3
    assert cluster3.bootstrap_servers().split(",") == [
        f"127.0.0.1:{cluster3.broker_port(broker_id)}" for broker_id in (1, 2, 3)]


def test_killed_broker_leaves_after_its_session_and_comes_back(cluster3):
    cluster3.kill(2)
    assert 2 in cluster3.registered_ids(), "a SIGKILL closes no session"
    cluster3.wait_unregistered([2], timeout=SESSION_TIMEOUT_MS / 1000 * 5)
    assert cluster3.registered_ids() == {1, 3}

    cluster3.restart(2)
    cluster3.wait_registered([2])
    assert cluster3.registered_ids() == {1, 2, 3}

    cluster3.stop(3)  # SIGTERM closes the session: the registration goes at once
    assert cluster3.registered_ids() == {1, 2}
