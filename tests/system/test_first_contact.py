"""A newcomer's first hour, as written: the broker started exactly as `make run` starts it (the
shipped config/server.properties, in a scratch working directory) and used at localhost:9092 with
the README's kcat and `gregor` lines; Kafka's quick start from the README word for word; and the
one-line errors for listeners that cannot work.

The README is read, not copied: a line the tests run must be in it verbatim, so the README and
what is tested cannot drift apart. Both quick-start tests need port 9092 (what the README says);
a test fails with a clear message when something else holds it.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from cli_runner import GREGOR_CLI, REPO
from systest_helpers import free_port, read_lines_then_interrupt

README = (REPO / "README.md").read_text()
CONFIG = REPO / "config" / "server.properties"
GREGOR_SERVER = os.environ.get("GREGOR_BIN", str(REPO / "build" / "bin" / "gregor-server"))
BUILD_BIN = Path(GREGOR_CLI).parent
START_TIMEOUT_S = 20.0


def readme_block(after: str) -> list[str]:
    """The command lines of the first ```sh block after the text `after`, comments dropped."""
    start = README.index(after)
    block = re.search(r"```sh\n(.*?)```", README[start:], re.S).group(1)
    lines = [line.split("  #")[0].rstrip() for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def readme_line(command: str) -> str:
    """`command`, after checking that the README has it as a line of its own (a trailing
    comment aside)."""
    lines = [line.split("  #")[0].rstrip() for line in README.splitlines()]
    assert command in lines, f"the README no longer has the line {command!r}"
    return command


def shell_env() -> dict:
    """`gregor` and `gregor-server` on PATH, as after `make run`; the scripts find the build."""
    env = dict(os.environ)
    env["PATH"] = f"{BUILD_BIN}:{env['PATH']}"
    env["GREGOR_BUILD"] = str(BUILD_BIN.parent)
    env.pop("GREGOR_BOOTSTRAP_SERVER", None)
    return env


def run_line(line: str, cwd: Path, input: str | None = None, timeout: float = 60):
    result = subprocess.run(line, shell=True, cwd=cwd, input=input, capture_output=True,
                            text=True, timeout=timeout, env=shell_env())
    assert result.returncode == 0, f"{line}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result.stdout


def port_9092_free() -> None:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 9092)) == 0:
            pytest.fail("something already listens on localhost:9092; the quick-start tests "
                        "need it (stop the broker started with `make run`)")


class Server:
    """gregor-server started from a command line in a working directory; stopped by PID."""

    def __init__(self, argv: list[str], cwd: Path):
        self.log = open(cwd / "server.log", "wb")
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log, env=shell_env())
        self.log_path = cwd / "server.log"

    def wait_serving(self, port: int = 9092) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the broker exited:\n{self.log_path.read_text()}"
            try:
                with socket.create_connection(("localhost", port), timeout=1.0):
                    return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"no broker at localhost:{port} after {START_TIMEOUT_S} s:\n"
                    f"{self.log_path.read_text()}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()
        return self.proc.returncode


def test_make_run_broker_serves_kcat_and_the_readme_gregor_commands(tmp_path):
    port_9092_free()
    # The command `make run` runs, from the Makefile, with the config as shipped.
    recipe = re.search(r"^run:.*\n\t(.*)$", (REPO / "Makefile").read_text(), re.M).group(1)
    assert recipe == "$(BUILD_DIR)/bin/gregor-server --config $(CONFIG)"
    server = Server([GREGOR_SERVER, "--config", str(CONFIG)], tmp_path)
    try:
        server.wait_serving()
        kcat_list, kcat_produce, kcat_consume = readme_block("In another terminal, with kcat")
        assert "broker 0 at localhost:9092" in run_line(kcat_list, tmp_path)
        run_line(kcat_produce, tmp_path)
        assert run_line(kcat_consume, tmp_path) == "offset 0 key k1: hello\noffset 1 key k2: world\n"

        run_line(readme_line("gregor topic create orders --partitions 3 --config "
                             "retention.ms=86400000"), tmp_path)
        assert "orders" in run_line(readme_line("gregor topic list"), tmp_path).split()
        run_line(readme_line("printf 'k1:hello\\nk2:world\\n' | gregor produce orders "
                             "--key-separator :"), tmp_path)
        consumed = run_line(readme_line("gregor consume orders --from-beginning --exit-at-end "
                                        "--format '%p:%o %k=%v'"), tmp_path)
        assert sorted(line.split(" ")[1] for line in consumed.splitlines()) == \
            ["k1=hello", "k2=world"]
        assert "retention.ms" in run_line(readme_line("gregor topic describe orders"), tmp_path)
        run_line(readme_line("gregor config set --topic orders max.message.bytes=2000000"),
                 tmp_path)
        assert "2000000" in run_line(readme_line("gregor config get --topic orders"), tmp_path)
        run_line(readme_line("gregor offsets orders --time earliest"), tmp_path)
        info = run_line(readme_line("gregor cluster info"), tmp_path)
        assert info.splitlines()[-1].split() == ["0", "localhost", "9092", "-", "true"]
    finally:
        assert server.stop() == 0, server.log_path.read_text()
    # Relative log.dirs=data: the data went to the working directory, as `make run` puts it in ./data.
    assert (tmp_path / "data" / "orders-0").is_dir()
    assert (tmp_path / "data" / "greetings-0").is_dir()


def test_kafka_quick_start_from_the_readme_word_for_word(tmp_path):
    port_9092_free()
    # Kafka's quick start runs from a Kafka directory: bin/ and config/ side by side.
    (tmp_path / "bin").symlink_to(REPO / "bin")
    (tmp_path / "config").symlink_to(REPO / "config")
    lines = readme_block("Kafka's quick start runs as written")
    start, create, describe, produce, consume, *rest = lines
    assert start == "bin/kafka-server-start.sh config/server.properties"
    server = Server(shlex.split(start), tmp_path)
    try:
        server.wait_serving()
        assert run_line(create, tmp_path) == "Created topic quickstart-events.\n"
        assert run_line(describe, tmp_path).startswith(
            "Topic: quickstart-events\tPartitionCount: 1\tReplicationFactor: 1\t")
        run_line(produce, tmp_path, input="This is my first event\nThis is my second event\n")
        consumer = subprocess.Popen(shlex.split(consume), cwd=tmp_path, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=shell_env())
        assert read_lines_then_interrupt(consumer, 2) == ["This is my first event\n",
                                                         "This is my second event\n"]
        for line in rest:
            run_line(line, tmp_path)
    finally:
        assert server.stop() == 0, server.log_path.read_text()
    assert (tmp_path / "data" / "quickstart-events-0").is_dir()


def start_failure(tmp_path: Path, props: dict[str, str]) -> str:
    """Starts gregor-server with `props` (plus a log dir) and returns its stderr, asserting that
    it exits at once with code 1 and a last line naming the problem."""
    config = tmp_path / "server.properties"
    lines = {"log.dirs": str(tmp_path / "logs"), **props}
    config.write_text("".join(f"{k}={v}\n" for k, v in lines.items()))
    result = subprocess.run([GREGOR_SERVER, "--config", str(config)], capture_output=True,
                            text=True, timeout=30, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "logs").exists(), "no log was opened before the listeners failed"
    return result.stderr.strip()


def test_a_listener_host_that_does_not_resolve_is_one_line_naming_it(tmp_path):
    error = start_failure(tmp_path, {"listeners": "PLAINTEXT://no-such-host.invalid:19092"})
    assert error.startswith("gregor-server: listeners: cannot resolve host 'no-such-host.invalid' "
                            "of PLAINTEXT://no-such-host.invalid:19092"), error


def test_a_port_in_use_is_one_line_naming_the_listener(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        error = start_failure(tmp_path, {"listeners": f"PLAINTEXT://localhost:{port}"})
    assert error == (f"gregor-server: listeners: cannot listen on PLAINTEXT://localhost:{port} "
                     f"(127.0.0.1:{port}): Address already in use")


def test_legacy_port_together_with_listeners_is_refused(tmp_path):
    error = start_failure(tmp_path, {"listeners": "PLAINTEXT://localhost:19092", "port": "19093"})
    assert error == ("gregor-server: port cannot be set together with listeners (Kafka ignores "
                     "it): remove it, or put the address in listeners")


def test_a_listener_gregor_cannot_secure_is_refused_not_served_in_plaintext(tmp_path):
    error = start_failure(tmp_path, {"listeners": "SSL://127.0.0.1:19093",
                                     "listener.security.protocol.map": "SSL:SSL"})
    assert error == ("gregor-server: listeners: SSL://127.0.0.1:19093 uses security protocol SSL, "
                     "which Gregor does not serve yet (only PLAINTEXT)")


@pytest.mark.parametrize("host", ["localhost", "", "0.0.0.0", "[::]", "vm-hostname"])
def test_listeners_take_names_wildcards_and_ipv6_and_serve_clients(broker_factory, host):
    """Each form Kafka accepts serves a real client. `vm-hostname` stands for this machine's
    name, whatever it is."""
    from confluent_kafka.admin import AdminClient

    if host == "vm-hostname":
        host = socket.gethostname()
        try:
            socket.getaddrinfo(host, None)
        except OSError:
            pytest.skip(f"this machine's name {host} does not resolve here")
    port = free_port()
    b = broker_factory({"listeners": f"PLAINTEXT://{host}:{port}",
                        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}"}, start=False)
    b.port = port
    b.bootstrap = f"127.0.0.1:{port}"
    b.start()
    admin = AdminClient({"bootstrap.servers": f"localhost:{port}"})
    metadata = admin.list_topics(timeout=15)
    assert [(m.host, m.port) for m in metadata.brokers.values()] == [("127.0.0.1", port)]
    assert f"listening on PLAINTEXT://{host}:{port}" in b.stderr_text()


def test_legacy_keys_without_listeners_are_honoured(broker_factory):
    """Kafka 0.11's keys: host.name and port bind, advertised.host.name and advertised.port are
    told to clients."""
    from confluent_kafka.admin import AdminClient

    port = free_port()
    b = broker_factory({"port": str(port), "host.name": "127.0.0.1",
                        "advertised.host.name": "localhost"}, start=False)
    del b.props["listeners"], b.props["advertised.listeners"]
    b.port = port
    b.start()
    metadata = AdminClient({"bootstrap.servers": f"127.0.0.1:{port}"}).list_topics(timeout=15)
    assert [(m.host, m.port) for m in metadata.brokers.values()] == [("localhost", port)]


def test_console_producer_creates_a_missing_topic_only_when_the_broker_allows_it(broker_factory):
    """Kafka's console producer asks the broker, which creates the topic when
    auto.create.topics.enable is on; `gregor produce` does the same rather than refuse first."""
    from cli_runner import run_cli

    allowing = broker_factory(name="allowing")
    produced = run_cli(["produce", "fresh-topic"], allowing.bootstrap, input="one\ntwo\n")
    assert produced.returncode == 0, produced.stderr
    consumed = run_cli(["consume", "fresh-topic", "--from-beginning", "--exit-at-end"],
                       allowing.bootstrap)
    assert consumed.stdout.splitlines() == ["one", "two"]

    refusing = broker_factory({"auto.create.topics.enable": "false"}, name="refusing")
    refused = run_cli(["produce", "fresh-topic"], refusing.bootstrap, input="one\n")
    assert refused.returncode == 1
    assert refused.stderr == ("error: unknown topic 'fresh-topic': see `gregor topic list`, or "
                              "create it with `gregor topic create fresh-topic`\n")
