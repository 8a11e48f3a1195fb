"""Bridgekeeper's Debian package under a real systemd: a fresh Debian 12 minbase root gets the
.deb with `apt-get install`, boots with systemd as PID 1 (systemd-nspawn), and the shipped units,
unchanged, are driven from outside with systemctl and journalctl.

    python3 Tests/Deployment/systemd_test.py --deb bridgekeeper_0.1.0_amd64.deb [--cache DIR]

scripts/test-systemd builds the package and runs this. Root only.
"""

import argparse
import atexit
import hashlib
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from container import Container, minbase_root, wait_until  # noqa: E402

HERE = Path(__file__).parent
TOOLS = "/usr/local/lib/bridgekeeper-test"
CONFIG = "/etc/bridgekeeper/bridgekeeper.toml"
CREDENTIALS = "/etc/bridgekeeper/credentials"
GATEWAY = "http://127.0.0.1:4000"
CLIENT_KEY = "sk-deployment-test-client-key"
DASHBOARD_TOKEN = "deployment-test-dashboard-token-0123456789"
UNIT = "bridgekeeper.service"
BRIDGE_HOST_UNIT = "bridgekeeper-bridge-host.service"

options = None
machine = None


def setUpModule():
    global machine
    # Interrupted or not, the machine is powered off and removed.
    signal.signal(signal.SIGTERM, interrupted)
    atexit.register(tearDownModule)
    work = Path(tempfile.mkdtemp(prefix="bridgekeeper-systemd-", dir="/var/tmp"))
    pristine = minbase_root(Path(options.cache), ["systemd", "systemd-sysv", "dbus", "procps"])
    machine = Container.copy_of(pristine, work, "bktest")
    deb = Path(options.deb).resolve()
    # The package alone first, from Debian's archive: this proves its Depends.
    machine.chroot_run("apt-get", "update", "-qq")
    installed = machine.chroot_run("apt-get", "install", "-y", "-q", f"/tmp/{deb.name}", binds=[(deb, f"/tmp/{deb.name}")])
    print(f"apt-get install ./{deb.name}: " + " ".join(re.findall(r"^Setting up (\S+)", installed.stdout, re.M)), file=sys.stderr)
    # What the tests need besides: python3 for the bridges and the proxy command.
    machine.chroot_run("apt-get", "install", "-y", "-q", "--no-install-recommends", "python3")
    machine.chroot_run("useradd", "--system", "--create-home", "--shell", "/usr/sbin/nologin", "tunnel")
    for tool in ("fake_bridge.py", "tcp_relay.py"):
        machine.write(f"{TOOLS}/{tool}", (HERE / tool).read_text())
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bridge-host", "-f", str(work / "tunnel-key")], check=True)
    machine.write(f"{CREDENTIALS}/tunnel-key", (work / "tunnel-key").read_text(), 0o600)
    machine.write(f"{CREDENTIALS}/dashboard-token", DASHBOARD_TOKEN + "\n", 0o600)
    digest = hashlib.sha256(CLIENT_KEY.encode()).hexdigest()
    machine.write(f"{CREDENTIALS}/client-keys", f"ci sha256:{digest}\n", 0o600)
    machine.write("/home/tunnel/.ssh/authorized_keys", (work / "tunnel-key.pub").read_text(), 0o600, owner="tunnel")
    machine.boot()


def tearDownModule():
    global machine
    if machine:
        machine.stop()
        subprocess.run(["rm", "-rf", str(machine.root.parent)], check=False)
        machine = None


def interrupted(signum, frame):
    raise KeyboardInterrupt


def gateway_config(models, listen="127.0.0.1:4000"):
    model_tables = "".join(f'\n[[models]]\nid = "{model}"\nroutes = ["local"]\n' for model in models)
    return f'''
[supervisor]
state_dir = "/var/lib/bridgekeeper"
control = "127.0.0.1:4099"

[gateway]
listen = "{listen}"
dashboard_token_file = "$CREDENTIALS_DIRECTORY/dashboard-token"
client_keys_file = "$CREDENTIALS_DIRECTORY/client-keys"

[[tunnels]]
name = "home"
mode = "inbound"
user = "tunnel"
  [[tunnels.forwards]]
  listen = "127.0.0.1:3353"

[[bridges]]
name = "codex"
url = "http://127.0.0.1:3353"
api = "openai"
tunnel = "home"

[[bridges]]
name = "local"
url = "http://127.0.0.1:3253"
api = "openai"
command = ["/usr/bin/python3", "{TOOLS}/fake_bridge.py", "3253", "local-model"]
  [bridges.probe]
  interval = "2s"
  timeout = "1s"

[[bridges]]
name = "exposed"
url = "http://127.0.0.1:3254"
api = "openai"
command = ["/usr/bin/python3", "-m", "http.server", "--bind", "0.0.0.0", "3254"]
{model_tables}'''


def status():
    """`bridgekeeper status --json` inside the machine (exit 1 just means not all is well)."""
    result = machine.run("bridgekeeper", "status", "--config", CONFIG, "--json", check=False)
    return json.loads(result.stdout) if result.returncode in (0, 1) else None


def state(kind, name):
    """The state `status` gives the tunnel or bridge `name` (kind: "tunnels" or "bridges")."""
    report = status()
    return next((item["state"] for item in report[kind] if item["name"] == name), None) if report else None


def models():
    code, body = machine.http("GET", GATEWAY + "/v1/models", {"Authorization": f"Bearer {CLIENT_KEY}"})
    return [model["id"] for model in json.loads(body)["data"]] if code == 200 else None


class Test1Package(unittest.TestCase):
    def test_installed_under_debian_paths_and_nothing_enabled_or_started(self):
        files = set(machine.run("dpkg", "-L", "bridgekeeper").stdout.split())
        for path in ["/usr/bin/bridgekeeper", "/lib/systemd/system/bridgekeeper.service",
                     "/lib/systemd/system/bridgekeeper-bridge-host.service",
                     "/usr/share/bridgekeeper/sshd-bridgekeeper.conf", "/usr/share/bridgekeeper/policy/default.toml",
                     "/usr/share/doc/bridgekeeper/README.md", "/usr/share/doc/bridgekeeper/copyright",
                     "/usr/share/doc/bridgekeeper/examples/gateway-host.toml"]:
            self.assertIn(path, files)
        for unit in (UNIT, BRIDGE_HOST_UNIT):
            self.assertEqual(machine.run("systemctl", "is-enabled", unit, check=False).stdout.strip(), "disabled")
            self.assertEqual(machine.unit(unit)["ActiveState"], "inactive")
        # Runs on a machine without any Swift runtime.
        self.assertRegex(machine.run("bridgekeeper", "--version").stdout, r"bridgekeeper \d+\.\d+\.\d+")
        for example in ("gateway-host.toml", "bridge-host.toml"):
            machine.run("bridgekeeper", "check", "--config", f"/usr/share/doc/bridgekeeper/examples/{example}")


class Test2GatewayUnit(unittest.TestCase):
    """The shipped bridgekeeper.service, unchanged."""

    @classmethod
    def setUpClass(cls):
        machine.write(CONFIG, gateway_config(["local-model"]))

    def test_1_start_returns_once_the_gateway_answers(self):
        machine.run("systemctl", "start", UNIT)
        # No waiting: `systemctl start` of a Type=notify unit returns at READY=1.
        self.assertEqual(models(), ["local-model"])
        unit = machine.unit(UNIT)
        self.assertEqual((unit["ActiveState"], unit["SubState"]), ("active", "running"))
        self.assertRegex(unit["StatusText"], r"^tunnels 0/1 up \(home \w+\); bridges: .*codex .*local ")
        self.assertEqual(unit["DynamicUser"], "yes")

    def test_2_managed_bridge_serves_through_the_gateway_and_the_ledger_records_it(self):
        wait_until("bridge local live", lambda: state("bridges", "local") == "live", 30)
        code, body = machine.http("POST", GATEWAY + "/v1/chat/completions", {"Authorization": f"Bearer {CLIENT_KEY}"},
                                  json.dumps({"model": "local-model", "messages": [{"role": "user", "content": "hi"}]}))
        self.assertEqual(code, 200, body)
        self.assertEqual(json.loads(body)["choices"][0]["message"]["content"], "hello from the fake bridge")
        self.assertIn("local live", machine.unit(UNIT)["StatusText"])
        # The ledger lives in the StateDirectory the dynamic user owns; the dashboard token came
        # through LoadCredential=.
        def rows():
            code, body = machine.http("GET", GATEWAY + "/api/dashboard/requests", {"Authorization": f"Bearer {DASHBOARD_TOKEN}"})
            return json.loads(body)["requests"] if code == 200 else None
        row = wait_until("the ledger row", rows, 15)[0]
        self.assertEqual((row["key"], row["model_served"], row["bridge"], row["status"]), ("ci", "local-model", "local", 200))
        code, _ = machine.http("GET", GATEWAY + "/api/dashboard/requests", {"Authorization": "Bearer wrong-token"})
        self.assertEqual(code, 401)

    def test_3_a_managed_bridge_binding_every_interface_is_stopped(self):
        wait_until("bridge exposed to be exposed", lambda: state("bridges", "exposed") == "exposed", 30)
        code, detail = machine.http("GET", "http://127.0.0.1:3254/")
        self.assertIsNone(code, "the exposed bridge still answers")
        self.assertIn("Couldn't connect to server", detail)

    def test_4_journal_carries_the_structured_fields(self):
        entries = [e for e in machine.journal(UNIT) if e.get("_SYSTEMD_UNIT") == UNIT and e.get("SYSLOG_IDENTIFIER") == "bridgekeeper"
                   and " run " in e.get("_CMDLINE", "")]
        self.assertTrue(any(e.get("BRIDGE") == "local" and e.get("STATE") == "live" and e.get("PREV_STATE") for e in entries),
                        "no BRIDGE=local STATE=live entry")
        self.assertTrue(any(e.get("BRIDGE") == "exposed" and e.get("STATE") == "exposed" for e in entries))
        self.assertTrue(any(e.get("TUNNEL") == "home" for e in entries), "no TUNNEL=home entry")
        # Every line the daemon wrote is a structured entry (log events carry CODE_FILE, notices
        # their MESSAGE_ID), but for libdispatch's one line about a worker's priority (the unit
        # explains it).
        unstructured = [e.get("MESSAGE") for e in entries if not ((e.get("CODE_FILE") or e.get("MESSAGE_ID")) and e.get("PRIORITY"))]
        self.assertEqual([m for m in unstructured if not m.startswith("Failed to set thread priority for worker thread")], [],
                         "lines on stderr instead of structured entries")
        self.assertLessEqual(len(unstructured), 1, unstructured)
        for entry in entries:
            self.assertNotIn(DASHBOARD_TOKEN, json.dumps(entry))
            self.assertNotIn(CLIENT_KEY, json.dumps(entry))

    def test_5_reload_applies_a_valid_config_and_keeps_the_old_one_for_an_invalid_one(self):
        pid = machine.unit(UNIT)["MainPID"]
        machine.write(CONFIG, gateway_config(["local-model", "second-model"]))
        machine.run("systemctl", "reload", UNIT)
        wait_until("second-model in /v1/models", lambda: models() == ["local-model", "second-model"], 15)
        # A gateway on every interface: the policy refuses it.
        machine.write(CONFIG, gateway_config(["local-model", "second-model", "third-model"], listen="0.0.0.0:4000"))
        machine.run("systemctl", "reload", UNIT)
        wait_until("the refusal in the journal",
                   lambda: any("reload refused" in e.get("MESSAGE", "") for e in machine.journal(UNIT)), 15)
        unit = machine.unit(UNIT)
        self.assertEqual((unit["ActiveState"], unit["SubState"], unit["MainPID"]), ("active", "running", pid))
        self.assertEqual(models(), ["local-model", "second-model"])
        machine.write(CONFIG, gateway_config(["local-model", "second-model"]))

    def test_6_exposure_rated_live_at_most_2_0(self):
        out = machine.run("systemd-analyze", "security", UNIT, check=False).stdout
        level = float(re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out).group(1))
        print(f"systemd-analyze security {UNIT} (live): {level}", file=sys.stderr)
        self.assertLessEqual(level, 2.0, out)

    def test_7_watchdog_restarts_a_stopped_daemon(self):
        unit = machine.unit(UNIT)
        pid, restarts = unit["MainPID"], int(unit["NRestarts"])
        bound = sum(seconds(unit[p]) for p in ("WatchdogUSec", "TimeoutAbortUSec", "RestartUSec")) + 20
        started = time.monotonic()
        machine.run("kill", "-STOP", pid)
        wait_until("systemd to restart the stopped daemon", lambda: (
            (u := machine.unit(UNIT))["ActiveState"] == "active" and int(u["NRestarts"]) > restarts and u["MainPID"] not in ("0", pid)),
            bound)
        print(f"watchdog: SIGSTOP to active again in {time.monotonic() - started:.1f} s (bound {bound:.0f} s)", file=sys.stderr)
        self.assertTrue(any("Watchdog timeout" in e.get("MESSAGE", "") for e in machine.journal(UNIT)))
        self.assertEqual(models(), ["local-model", "second-model"])

    def test_8_stop_is_a_clean_exit(self):
        machine.run("systemctl", "stop", UNIT)
        unit = machine.unit(UNIT)
        self.assertEqual((unit["ActiveState"], unit["Result"], unit["ExecMainStatus"]), ("inactive", "success", "0"))


class Test3BridgeHostUnit(unittest.TestCase):
    """The shipped bridgekeeper-bridge-host.service (PrivateUsers=yes besides DynamicUser=yes),
    holding a reverse tunnel to this machine's own sshd through a proxy command."""

    @classmethod
    def setUpClass(cls):
        machine.run("install", "-m", "0644", "/usr/share/bridgekeeper/sshd-bridgekeeper.conf",
                    "/etc/ssh/sshd_config.d/bridgekeeper.conf")
        machine.run("sed", "-i", "s/PermitOpen 127.0.0.1:3353 127.0.0.1:3357/PermitOpen 127.0.0.1:3353/;"
                    "s/PermitListen 127.0.0.1:3353 127.0.0.1:3357/PermitListen 127.0.0.1:3353/",
                    "/etc/ssh/sshd_config.d/bridgekeeper.conf")
        machine.run("sshd", "-t")
        machine.run("systemctl", "restart", "ssh")
        host_key = machine.read("/etc/ssh/ssh_host_ed25519_key.pub").split()
        machine.write("/etc/bridgekeeper/known_hosts", f"127.0.0.1 {host_key[0]} {host_key[1]}\n")
        # The documented way to give this unit another credential: a drop-in (the unit says so).
        machine.write(f"/etc/systemd/system/{BRIDGE_HOST_UNIT}.d/dashboard.conf",
                      f"[Service]\nLoadCredential=dashboard-token:{CREDENTIALS}/dashboard-token\n")
        machine.run("systemctl", "daemon-reload")
        machine.write(CONFIG, f'''
[supervisor]
state_dir = "/var/lib/bridgekeeper"

[gateway]
listen = "127.0.0.1:4000"
dashboard_token_file = "$CREDENTIALS_DIRECTORY/dashboard-token"

[[tunnels]]
name = "home"
mode = "reverse"
server = "tunnel@127.0.0.1:22"
identity_file = "$CREDENTIALS_DIRECTORY/tunnel-key"
known_hosts = "/etc/bridgekeeper/known_hosts"
proxy_command = "/usr/bin/python3 {TOOLS}/tcp_relay.py %h %p"
keepalive = "2s"
  [[tunnels.forwards]]
  listen = "127.0.0.1:3353"
  target = "127.0.0.1:3253"

[[bridges]]
name = "local"
url = "http://127.0.0.1:3253"
api = "openai"
command = ["/usr/bin/python3", "{TOOLS}/fake_bridge.py", "3253", "local-model"]

[[models]]
id = "local-model"
routes = ["local"]
''')

    def test_1_holds_the_reverse_tunnel_through_the_proxy_command(self):
        machine.run("systemctl", "start", BRIDGE_HOST_UNIT)
        unit = machine.unit(BRIDGE_HOST_UNIT)
        self.assertEqual((unit["ActiveState"], unit["SubState"], unit["PrivateUsers"], unit["DynamicUser"]),
                         ("active", "running", "yes", "yes"))
        wait_until("tunnel home up", lambda: state("tunnels", "home") == "up", 30)
        # sshd's listener on 127.0.0.1:3353 carries the request back through the tunnel.
        code, body = machine.http("GET", "http://127.0.0.1:3353/v1/models")
        self.assertEqual((code, json.loads(body)["data"][0]["id"]), (200, "local-model"))
        # The daemon runs in a user namespace of its own (PrivateUsers=yes).
        uid_map = machine.run("cat", f"/proc/{unit['MainPID']}/uid_map").stdout.split()
        self.assertNotEqual(uid_map, ["0", "0", "4294967295"])
        self.assertIn("home up", machine.unit(BRIDGE_HOST_UNIT)["StatusText"])

    def test_2_the_credential_reaches_a_private_user(self):
        code, _ = machine.http("GET", GATEWAY + "/api/dashboard/health", {"Authorization": f"Bearer {DASHBOARD_TOKEN}"})
        self.assertEqual(code, 200)
        code, _ = machine.http("GET", GATEWAY + "/api/dashboard/health", {"Authorization": "Bearer wrong-token"})
        self.assertEqual(code, 401)

    def test_3_stop_is_a_clean_exit(self):
        machine.run("systemctl", "stop", BRIDGE_HOST_UNIT)
        unit = machine.unit(BRIDGE_HOST_UNIT)
        self.assertEqual((unit["ActiveState"], unit["Result"], unit["ExecMainStatus"]), ("inactive", "success", "0"))


def seconds(span):
    """A duration as systemctl show prints it ("1min 30s", "500ms", "infinity") in seconds."""
    units = {"us": 1e-6, "ms": 1e-3, "s": 1, "min": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)(us|ms|s|min|h)", span)
    if not parts:
        raise ValueError(f"not a finite duration: {span!r}")
    return sum(float(number) * units[unit] for number, unit in parts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--deb", required=True)
    parser.add_argument("--cache", default="/var/cache/bridgekeeper-tests/bookworm-minbase")
    options, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
