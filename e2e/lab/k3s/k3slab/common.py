"""Build identity, logging in k3s' logrus format, systemd notify, config/flags."""
import hashlib, os, platform, re, socket, subprocess, sys, time

try:
    from . import _build  # written by the mirror builder: ARCH, VERSION, GO
    ARCH, VERSION, GO = _build.ARCH, _build.VERSION, _build.GO
    BROKEN = getattr(_build, "BROKEN", False)
except ImportError:  # run from the source tree
    ARCH, VERSION, GO = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}.get(platform.machine(), "amd64"), "v1.33.5+k3s1", "go1.24.6"
    BROKEN = False
COMMIT = hashlib.sha256(VERSION.encode()).hexdigest()[:8]
KUBE_VERSION = VERSION.replace("+k3s", "+k3s")  # kubelet reports the k3s version string
# As K3s: run by a user other than root, its data lives in ~/.rancher/k3s and the kubeconfig it
# writes in ~/.kube/k3s.yaml (rootless mode, `k3s server --rootless`, is such a user).
AS_ROOT = os.geteuid() == 0
DATA = "/var/lib/rancher/k3s" if AS_ROOT else os.path.expanduser("~/.rancher/k3s")
SERVER_DIR = DATA + "/server"
CONFIG = "/etc/rancher/k3s/config.yaml"
GLOBAL_KUBECONFIG = "/etc/rancher/k3s/k3s.yaml"
HOME_KUBECONFIG = os.path.expanduser("~/.kube/k3s.yaml")
KUBECONFIG = GLOBAL_KUBECONFIG if AS_ROOT else HOME_KUBECONFIG
# /etc/rancher/node (node password, node id); a user cannot write /etc: rootless K3s keeps them
# in its own namespace's copy of /etc, here under its data folder
NODE_DIR = "/etc/rancher/node" if AS_ROOT else DATA + "/agent/etc/rancher/node"


def kubectl_default_config():
    """`k3s kubectl` without --kubeconfig or KUBECONFIG: the global k3s.yaml when there is one
    (a user then gets "permission denied" and the hint), else the user's ~/.kube/k3s.yaml."""
    if AS_ROOT or os.path.exists(GLOBAL_KUBECONFIG) or not os.path.exists(HOME_KUBECONFIG):
        return GLOBAL_KUBECONFIG
    return HOME_KUBECONFIG
MACHINE_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "armv8l": "arm"}


def check_exec_format():
    """A binary built for another CPU does not start: the kernel refuses it."""
    if MACHINE_ARCH.get(platform.machine()) != ARCH:
        sys.stderr.write("%s: cannot execute binary file: Exec format error\n" % sys.argv[0])
        sys.exit(126)


def log(level, msg):
    ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    sys.stderr.write('time="%s" level=%s msg="%s"\n' % (ts, level, str(msg).replace('"', '\\"')))
    sys.stderr.flush()


def fatal(msg):
    log("fatal", "Error: " + msg if not msg.startswith("Error") else msg)
    sys.exit(1)


def notify(state):
    """sd_notify from this (the main) process: the units are Type=notify."""
    path = os.environ.get("NOTIFY_SOCKET")
    if not path:
        return
    if path.startswith("@"):
        path = "\0" + path[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(state.encode(), path)


def check_memory_cgroup():
    """As the real k3s: no memory controller, no kubelet."""
    try:
        with open("/sys/fs/cgroup/cgroup.controllers") as f:
            ok = "memory" in f.read().split()
    except OSError:  # cgroup v1
        ok = False
        with open("/proc/cgroups") as f:
            for line in f:
                p = line.split()
                if p and p[0] == "memory":
                    ok = p[-1] == "1"
    if not ok:
        fatal("failed to find memory cgroup (v2)")


# ---- config.yaml: a small reader for what k3s accepts there (scalars, lists), strict about
# quoting as a real YAML parser is: a bad quote or escape stops k3s, as it does upstream.
_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
            "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
            "_": "\xa0", "L": "\u2028", "P": "\u2029"}
_HEX = {"x": 2, "u": 4, "U": 8}


class YAMLError(ValueError):
    pass


def _quoted(v):
    """A quoted scalar at the start of v -> (value, rest of the line)."""
    q, out, i = v[0], [], 1
    while i < len(v):
        c = v[i]
        if q == "'" and c == "'":
            if v[i + 1:i + 2] == "'":
                out.append("'"); i += 2; continue
            return "".join(out), v[i + 1:]
        if q == '"' and c == '"':
            return "".join(out), v[i + 1:]
        if q == '"' and c == "\\":
            e = v[i + 1:i + 2]
            if e in _HEX:
                digits = v[i + 2:i + 2 + _HEX[e]]
                if len(digits) != _HEX[e] or not all(d in "0123456789abcdefABCDEF" for d in digits):
                    raise YAMLError("found unknown escape character")
                out.append(chr(int(digits, 16))); i += 2 + _HEX[e]; continue
            if e not in _ESCAPES:
                raise YAMLError("found unknown escape character")
            out.append(_ESCAPES[e]); i += 2; continue
        out.append(c); i += 1
    raise YAMLError("found unexpected end of stream")


def _scalar(v):
    v = v.strip()
    if v[:1] in ("'", '"'):
        value, rest = _quoted(v)
        rest = rest.strip()
        if rest and not rest.startswith("#"):
            raise YAMLError("did not find expected key")
        return value
    v = re.sub(r"\s+#.*$", "", v)
    if v in ("true", "false"):
        return v == "true"
    return v


def read_yaml(path):
    out, key = {}, None
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return out
    for n, raw in enumerate(lines, 1):
        line = "" if raw.lstrip().startswith("#") else raw
        if not line.strip():
            continue
        try:
            m = re.match(r"^\s*-\s*(.*)$", line)
            if m and key is not None:
                out.setdefault(key, [])
                if not isinstance(out[key], list):
                    out[key] = [out[key]]
                out[key].append(_scalar(m.group(1)))
                continue
            m = re.match(r'^["\']?([A-Za-z0-9_.+-]+)["\']?\s*:\s*(.*)$', line)
            if not m:
                raise YAMLError("could not find expected ':'")
            key, val = m.group(1), re.sub(r"^#.*$", "", m.group(2).strip())
            if val.startswith("[") and re.sub(r"\s+#.*$", "", val).endswith("]"):
                val = re.sub(r"\s+#.*$", "", val)
                out[key] = [_scalar(x) for x in val[1:-1].split(",") if x.strip()]
            elif val == "":
                out[key] = []
            else:
                out[key] = _scalar(val)
        except YAMLError as e:
            fatal("failed to parse %s: yaml: line %d: %s" % (path, n, e))
    return out



def api_status(code, reason, message, details=None):
    """A failed API call's body, as the API server sends it (kind Status)."""
    out = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
           "reason": reason, "code": code}
    if details:
        out["details"] = details
    return out


BOOL_FLAGS = {"cluster-init", "with-node-id", "debug", "disable-network-policy", "disable-helm-controller",
              "disable-kube-proxy", "disable-cloud-controller", "secrets-encryption", "selinux", "rootless",
              "prefer-bundled-bin", "protect-kernel-defaults", "embedded-registry", "docker", "ttl-only",
              "disable-apiserver", "disable-etcd", "disable-scheduler", "disable-controller-manager",
              # kubectl's (drain, delete, get)
              "force", "ignore-daemonsets", "delete-emptydir-data", "delete-local-data", "ignore-not-found",
              "all-namespaces", "A", "disable-eviction", "wait"}
LIST_FLAGS = {"tls-san", "disable", "node-label", "node-taint", "kubelet-arg", "kube-apiserver-arg",
              "node-ip", "node-external-ip", "flannel-ipv6-masq", "etcd-arg", "kube-proxy-arg"}
ALIASES = {"t": "token", "s": "server", "o": "output", "https-listen-port": "https-listen-port"}
ENV_FLAGS = {"K3S_TOKEN": "token", "K3S_URL": "server", "K3S_NODE_NAME": "node-name",
             "K3S_KUBECONFIG_MODE": "write-kubeconfig-mode", "K3S_KUBECONFIG_OUTPUT": "write-kubeconfig",
             "K3S_CLUSTER_INIT": "cluster-init", "K3S_AGENT_TOKEN": "agent-token", "K3S_CONFIG_FILE": "config",
             "K3S_DATA_DIR": "data-dir", "K3S_TOKEN_FILE": "token-file", "K3S_WITH_NODE_ID": "with-node-id"}


def parse_flags(args, aliases=ALIASES):
    """k3s-style flags: --k v, --k=v, repeated lists, known booleans; short names by `aliases`."""
    opts, rest, i = {}, [], 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and a != "-":
            k = a.lstrip("-")
            v = None
            if "=" in k:
                k, v = k.split("=", 1)
            k = aliases.get(k, k)
            if v is None:
                if k in BOOL_FLAGS:
                    v = True
                elif i + 1 < len(args):
                    i += 1
                    v = args[i]
                else:
                    v = True
            if k in LIST_FLAGS:
                opts.setdefault(k, []).extend(str(v).split(",") if k in ("disable", "tls-san") else [v])
            else:
                opts[k] = v
        else:
            rest.append(a)
        i += 1
    return opts, rest


def settings(args):
    """config.yaml, then K3S_* env, then command-line flags (later wins; lists add up)."""
    cli, rest = parse_flags(args)
    conf = read_yaml(cli.get("config", os.environ.get("K3S_CONFIG_FILE", CONFIG)))
    env = {}
    for e, k in ENV_FLAGS.items():
        if os.environ.get(e):
            env[k] = os.environ[e]
    out = {}
    for src in (conf, env, cli):
        for k, v in src.items():
            if k in LIST_FLAGS:
                vals = v if isinstance(v, list) else [v]
                if k in ("disable", "tls-san"):
                    vals = [x.strip() for s in vals for x in str(s).split(",") if x.strip()]
                out.setdefault(k, []).extend(vals)
            else:
                out[k] = v
    if out.get("token-file") and not out.get("token"):
        out["token"] = open(out["token-file"]).read().strip()
    for k in BOOL_FLAGS:
        if isinstance(out.get(k), str):
            out[k] = out[k].lower() in ("true", "1", "yes")
    return out, rest


def host_ipv4s():
    out = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True).stdout
    return [m.group(1) for m in re.finditer(r"inet (\d+\.\d+\.\d+\.\d+)/", out) if not m.group(1).startswith("127.")]


def node_name(opts):
    name = opts.get("node-name") or socket.gethostname()
    if opts.get("with-node-id"):
        # a random id kept on the node, so cloned machines (same machine-id) still differ
        path = NODE_DIR + "/node-id"
        try:
            nid = open(path).read().strip()
        except OSError:
            nid = os.urandom(4).hex()
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(nid + "\n")
        name += "-" + nid
    return name.lower()


def go_error(url, exc):
    """Describe a connection error as Go's net/http would."""
    from urllib.parse import urlsplit
    u = urlsplit(url)
    hostport = "%s:%s" % (u.hostname, u.port or 443)
    e = exc
    reason = getattr(e, "reason", None)
    if reason is not None:
        e = reason
    import ssl
    if isinstance(e, ssl.SSLCertVerificationError) and "mismatch" in str(e):
        from .listener import x509_error
        return 'Get "%s": %s' % (url, x509_error(url))
    if isinstance(e, ConnectionRefusedError):
        what = "dial tcp %s: connect: connection refused" % hostport
    elif isinstance(e, (socket.timeout, TimeoutError)):
        what = "dial tcp %s: i/o timeout" % hostport
    elif isinstance(e, OSError) and e.errno == 113:
        what = "dial tcp %s: connect: no route to host" % hostport
    elif isinstance(e, ConnectionResetError):
        what = "read tcp %s: read: connection reset by peer" % hostport
    else:
        what = str(e)
    return 'Get "%s": %s' % (url, what)
