"""`k3s agent`: verify the cluster CA against the token, register over the network,
then keep a heartbeat. Retries like the real agent, which stays "activating"
(no READY=1) until it has joined. Like the real agent's load balancer, it learns every
server's address (from the heartbeat's answer) and goes on with another when its server is gone."""
import hashlib, json, os, signal, socket, sys, threading, time
from urllib.parse import urlsplit

from . import client
from .common import ARCH, VERSION, check_memory_cgroup, fatal, go_error, host_ipv4s, log, node_name, notify, settings
from .server import labels, listen_plain, machine_id, node_password, os_image

HEARTBEAT = float(os.environ.get("K3S_LAB_HEARTBEAT", "5"))


def local_ip_towards(url):
    """The address this node uses to reach the server (what the kubelet reports)."""
    u = urlsplit(url)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect((u.hostname, u.port or 443))
            return s.getsockname()[0]
    except OSError:
        ips = host_ipv4s()
        return ips[0] if ips else "127.0.0.1"


def join(url, token, me):
    ca_hash, user, secret = client.parse_token(token)
    ca_url = url + "/cacerts"
    while True:
        try:
            ca = client.request(ca_url).decode()
        except OSError as e:
            log("error", "Failed to validate connection to cluster at %s: failed to get CA certs: %s" % (url, go_error(ca_url, e)))
            time.sleep(2)
            continue
        except client.HTTPError as e:
            log("error", "Failed to validate connection to cluster at %s: failed to get CA certs: %s" % (url, e))
            time.sleep(2)
            continue
        got = hashlib.sha256(ca.encode()).hexdigest()
        if ca_hash and ca_hash != got:
            log("error", "Failed to validate connection to cluster at %s: token CA hash does not match the Cluster CA certificate hash: %s != %s" % (url, ca_hash, got))
            time.sleep(2)
            continue
        try:
            out = client.request(url + "/v1-k3s/register", "POST", dict(me, nodePassword=node_password()),
                                 ctx=client.context(ca), basic=("node", secret))
            out = json.loads(out)
            return ca, out["cert"], out["key"]
        except client.HTTPError as e:
            if e.status == 401:
                log("error", "Failed to validate connection to cluster at %s: token is not valid: %s/v1-k3s/register: 401 Unauthorized" % (url, url))
                time.sleep(2)
            else:
                try:
                    msg = json.loads(e.body)["message"]
                except (ValueError, KeyError):
                    msg = e.body
                log("info", "Waiting to retrieve agent configuration; server is not ready: %s" % msg)
                time.sleep(5)
        except OSError as e:
            log("error", "Failed to validate connection to cluster at %s: %s" % (url, go_error(url + "/v1-k3s/register", e)))
            time.sleep(2)


def run(args):
    opts, _ = settings(args)
    url = (opts.get("server") or "").rstrip("/")
    if not url:
        fatal("--server is required")
    if not url.startswith("https://"):
        fatal("--server must be an https URL, got %s" % url)
    if not opts.get("token"):
        fatal("--token is required")
    check_memory_cgroup()
    log("info", "Starting k3s agent %s" % VERSION)
    name = node_name(opts)
    ip = (opts.get("node-ip") or [None])[0] or local_ip_towards(url)
    me = {"name": name, "role": "agent", "arch": ARCH, "ip": ip, "externalIP": (opts.get("node-external-ip") or [None])[0], "version": VERSION, "labels": labels(opts),
          "os": os_image(), "kernel": os.uname().release, "machineID": machine_id()}
    ca, cert, key = join(url, str(opts["token"]), me)
    os.makedirs("/var/lib/rancher/k3s/agent", mode=0o700, exist_ok=True)
    for fn, text in (("server-ca.crt", ca), ("client-kubelet.crt", cert), ("client-kubelet.key", key)):
        fd = os.open("/var/lib/rancher/k3s/agent/" + fn, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
    listen_plain(10250)
    ctx = client.context(ca, cert, key)
    notify("READY=1")
    log("info", "Successfully registered node %s with the cluster at %s" % (name, url))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    servers = [url]
    while not stop.wait(HEARTBEAT):
        for candidate in [url] + [s for s in servers if s != url]:
            try:
                out = json.loads(client.request(candidate + "/v1-k3s/heartbeat", "POST", {}, ctx=ctx) or b"{}")
                if candidate != url:
                    log("info", "Switched the load balancer from %s to %s" % (url, candidate))
                    url = candidate
                servers = [str(s) for s in out.get("servers") or []][:64] or servers
                break
            except client.HTTPError as e:
                log("error", "Failed to update node %s status: %s" % (name, e))
                break
            except (OSError, ValueError) as e:
                log("error", "Failed to update node %s status: %s" % (name, go_error(candidate + "/v1-k3s/heartbeat", e)))
    log("info", "Shutting down k3s agent")
    sys.exit(0)
