"""Topics created and deleted on a 3-broker cluster, as other brokers see them: a new topic
appears in every broker's metadata with its leaders or not at all, and a deleted topic's
partitions leave the replica fetchers at once."""

from __future__ import annotations

import re
import time

from confluent_kafka.admin import AdminClient, NewTopic

from systest_helpers import wait_for

# Followers pause a failing partition up to replica.fetch.backoff.ms (1 s by default): a window
# of two pauses shows whether a deleted partition is still fetched, once the fetches in flight
# when it was deleted have been answered.
REFETCH_SETTLE_S = 1.0
REFETCH_WINDOW_S = 2.5


def admin_for(cluster3, broker_id: int) -> AdminClient:
    """An admin client that talks to `broker_id` only (its metadata requests go there)."""
    return AdminClient({"bootstrap.servers": f"127.0.0.1:{cluster3.broker_port(broker_id)}",
                        "topic.metadata.refresh.interval.ms": -1})


def test_a_new_topic_is_never_seen_by_another_broker_without_its_leaders(cluster3):
    creating, other = admin_for(cluster3, 1), admin_for(cluster3, 2)
    for i in range(8):
        topic = f"fresh-{i}"
        creating.create_topics([NewTopic(topic, 48, 3)])[topic].result(timeout=30)
        # Right after CreateTopics returns: a Metadata request for every topic, to broker 2.
        seen = other.list_topics(timeout=10).topics.get(topic)
        if seen is None:
            continue  # broker 2 has not heard of it yet: clients retry an unknown topic
        assert seen.error is None, (topic, seen.error)
        leaderless = [p.id for p in seen.partitions.values() if p.error or p.leader < 0]
        assert len(seen.partitions) == 48 and not leaderless, (topic, leaderless)


def test_deleted_topics_leave_the_replica_fetchers_at_once(cluster3):
    admin = admin_for(cluster3, 1)
    topics = [f"fleeting-{i}" for i in range(10)]
    for topic in topics:
        admin.create_topics([NewTopic(topic, 3, 3)])[topic].result(timeout=30)
        admin.delete_topics([topic])[topic].result(timeout=30)  # moments after
    def saw_every_deletion(broker) -> bool:
        # A broker whose watch fired only after both the creation and the deletion never opened
        # the topic: there is nothing for it to delete.
        log = broker.stderr_text(limit=10**7)
        return all(f"topic {t} deleted" in log or f"deleted topic {t}" in log
                   for t in topics if f"/{t}-0:" in log or f"{t}-0: " in log)

    for broker in cluster3.brokers.values():
        wait_for(lambda b=broker: saw_every_deletion(b), 20, f"{broker} to see the deletions")
    fetched = re.compile(r"replica fetcher: fleeting-\d+-\d+ from broker \d+: UNKNOWN_TOPIC")

    def refetches() -> int:
        return sum(len(fetched.findall(b.stderr_text(limit=10**7)))
                   for b in cluster3.brokers.values())

    time.sleep(REFETCH_SETTLE_S)  # fetches in flight at the deletion are answered
    before = refetches()
    time.sleep(REFETCH_WINDOW_S)
    assert refetches() == before, "deleted partitions are still fetched"
