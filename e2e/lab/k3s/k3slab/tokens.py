"""`k3s token create|list|delete|generate` and the stand-in's /v1-k3s/tokens API behind them.

As on K3s (kubeadm-style bootstrap tokens): `create [--ttl 24h] [--description D]` prints
`K10<CA hash>::<id>.<secret>` (TTL 0 = never expires); `list` prints the table
`TOKEN TTL EXPIRES USAGES DESCRIPTION EXTRA GROUPS` with the token ID only (never the secret),
expired tokens left out (the token cleaner removes them); `delete ID|TOKEN...` prints
`bootstrap token "ID" deleted`. Bootstrap tokens join agents only (server.py's join check).

`rotate [--token T] [--new-token N] [--server URL]` as K3s' (v1.28.2 and later): authenticated
with the existing server token (--token, $K3S_TOKEN, else the data dir's token file), it PUTs
/v1-k3s/token; the server that takes it makes a new password when none is given, keeps it as
the cluster's (the datastore's bootstrap data, on the first server) and writes its own
server/token file. It prints a warning and `Token rotated, restart k3s nodes with new token`,
never the token. Servers still running keep the old one in memory until restarted; a server
restarted with the old token fails, an agent with it is refused (server.py)."""
import hashlib, json, os, re, secrets, sys, time

from .common import SERVER_DIR, parse_flags

USAGES = ["authentication", "signing"]
GROUPS = ["system:bootstrappers:k3s:default-node-token"]
TOKEN_ID = re.compile(r"^[a-z0-9]{6}$")
FULL_TOKEN = re.compile(r"^(?:K10[0-9a-f]+::)?([a-z0-9]{6})\.[a-z0-9]{16}$")


# ---- the datastore side (Store.data["tokens"], under Store.lock)
def _create(store, ttl, description):
    with store.lock:
        tid, sec = secrets.token_hex(3), secrets.token_hex(8)
        exp = time.time() + ttl if ttl > 0 else 0
        store.data["tokens"].append({"id": tid, "hash": hashlib.sha256(sec.encode()).hexdigest(), "expires": exp,
                                     "description": description, "created": time.time()})
        store.save()
        return "%s.%s" % (tid, sec)


def _live(store):
    now = time.time()
    with store.lock:
        return [t for t in store.data["tokens"] if not t.get("expires") or t["expires"] > now]


def _delete(store, tid):
    with store.lock:
        kept = [t for t in store.data["tokens"] if t["id"] != tid]
        if len(kept) == len(store.data["tokens"]):
            return False
        store.data["tokens"] = kept
        store.save()
        return True


def bootstrap_hash(password):
    return hashlib.sha256(("lab-bootstrap:" + password).encode()).hexdigest()


def write_token_file(api, password):
    fd = os.open(SERVER_DIR + "/token.tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("K10%s::server:%s\n" % (hashlib.sha256(api.server.ca_pem.encode()).hexdigest(), password))
    os.replace(SERVER_DIR + "/token.tmp", SERVER_DIR + "/token")


def rotate(api):
    """PUT /v1-k3s/token: basic auth as `server` with the current server password."""
    user, pw = api.basic()
    if user != "server" or pw is None or not secrets.compare_digest(pw, api.server.password):
        return api.unauthorized()
    body = api.body()
    new = str(body.get("newToken") or "") or secrets.token_hex(16)
    if not re.match(r"^[A-Za-z0-9._-]{1,256}$", new):
        return api.send(400, {"message": "invalid token"})
    if api.server.upstream:  # the datastore is on the first server: it takes the new one too
        from . import client
        try:
            client.request(api.server.upstream + "/v1-k3s/token", "PUT", {"newToken": new},
                           ctx=client.context(api.server.ca_pem), basic=("server", pw))
        except (client.HTTPError, OSError) as e:
            return api.send(500, {"message": "failed to rotate the token on the datastore: %s" % e})
    else:
        api.server.store.tx(lambda d: d.__setitem__("bootstrap", bootstrap_hash(new)))
    api.server.password = new
    write_token_file(api, new)
    api.send(200, {})


def handle(api, method, path):
    """The /v1-k3s/tokens routes (admin only); False when the path is not one of them."""
    if not (path == "/v1-k3s/tokens" or path.startswith("/v1-k3s/tokens/")):
        return False
    if not api.is_admin():
        api.unauthorized()
        return True
    store = api.server.store
    if method == "POST" and path == "/v1-k3s/tokens":
        body = api.body()
        ttl, desc = int(body.get("ttl", 0)), str(body.get("description") or "")[:256]
        api.upstream_or(lambda: api.send(200, {"token": _create(store, ttl, desc)}), body={"ttl": ttl, "description": desc})
    elif method == "GET" and path == "/v1-k3s/tokens":
        api.upstream_or(lambda: api.send(200, {"items": [
            {k: t.get(k) for k in ("id", "expires", "description", "created")} for t in _live(store)]}))
    elif method == "DELETE" and TOKEN_ID.match(path.rsplit("/", 1)[1]):
        tid = path.rsplit("/", 1)[1]
        def local():
            if _delete(store, tid):
                return api.send(200, {"deleted": tid})
            api.send(404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404,
                           "message": 'secrets "bootstrap-token-%s" not found' % tid})
        api.upstream_or(local)
    else:
        api.send(404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404,
                       "message": "the server could not find the requested resource"})
    return True


# ---- the command line
def short_duration(seconds):
    """Kubernetes' ShortHumanDuration, as kubeadm prints a token's TTL."""
    s = int(seconds)
    if s < 0:
        return "<invalid>"
    if s < 60:
        return "%ds" % s
    if s < 3600:
        return "%dm" % (s // 60)
    if s < 48 * 3600:
        return "%dh" % (s // 3600)
    if s < 365 * 2 * 86400:
        return "%dd" % (s // 86400)
    return "%dy" % (s // (365 * 86400))


def _print_list(items, out):
    rows = [["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"]]
    for t in items:
        exp = t.get("expires") or 0
        rows.append([t["id"], short_duration(exp - time.time()) if exp else "<forever>",
                     time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(exp)) if exp else "<never>",
                     ",".join(USAGES), t.get("description") or "<none>", ",".join(GROUPS)])
    # text/tabwriter with minwidth 10, padding 3, as kubeadm's printer
    widths = [max(10, max(len(r[i]) for r in rows)) + 3 for i in range(len(rows[0]))]
    for r in rows:
        out.write("".join(c.ljust(widths[i]) if i < len(r) - 1 else c for i, c in enumerate(r)) + "\n")


def cli(args):
    from . import kubectl  # the API client with the admin kubeconfig
    sub = args[0] if args else ""
    opts, rest = parse_flags(args[1:])
    if sub == "generate":
        print("%s.%s" % (secrets.token_hex(3), secrets.token_hex(8)))
    elif sub == "create":
        ttl = kubectl.duration(opts.get("ttl", "24h"))
        desc = opts.get("description") or ""
        _, _, _, ca = kubectl.load(opts)
        out = kubectl.call(opts, "POST", "/v1-k3s/tokens", {"ttl": int(ttl), "description": str(desc)})
        print("K10%s::%s" % (hashlib.sha256(ca.encode()).hexdigest(), out["token"]))
    elif sub == "list":
        items = kubectl.call(opts, "GET", "/v1-k3s/tokens")["items"]
        if opts.get("output", opts.get("o")) == "json":
            print(json.dumps([{"kind": "BootstrapToken", "token": t["id"], "description": t.get("description") or "",
                               "usages": USAGES, "groups": GROUPS,
                               "expires": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t["expires"])) if t.get("expires") else None}
                              for t in items], indent=2))
        else:
            _print_list(items, sys.stdout)
    elif sub == "rotate":
        from . import client
        print("\033[33mWARNING\033[0m: Recommended to keep a record of the old token. If restoring from a snapshot, you must use the token associated with that snapshot.")
        tok = opts.get("token") or os.environ.get("K3S_TOKEN") or ""
        if not tok:
            try:
                tok = open(SERVER_DIR + "/token").read().rstrip("\n")
            except OSError as e:
                sys.stderr.write('time="%s" level=fatal msg="%s"\n' % (time.strftime("%Y-%m-%dT%H:%M:%SZ"), e))
                sys.exit(1)
        url = (opts.get("server") or os.environ.get("K3S_URL") or "https://127.0.0.1:6443").rstrip("/")
        ca_hash, _, pw = client.parse_token(str(tok))
        try:
            ca = client.request(url + "/cacerts").decode()
            if ca_hash and ca_hash != hashlib.sha256(ca.encode()).hexdigest():
                raise ValueError("token CA hash does not match the Cluster CA certificate hash")
            client.request(url + "/v1-k3s/token", "PUT", {"newToken": str(opts.get("new-token") or "")},
                           ctx=client.context(ca), basic=("server", pw))
        except (client.HTTPError, OSError, ValueError) as e:
            msg = "token is not valid: %s/v1-k3s/token: 401 Unauthorized" % url if getattr(e, "status", 0) == 401 else str(e)
            sys.stderr.write('time="%s" level=fatal msg="%s"\n' % (time.strftime("%Y-%m-%dT%H:%M:%SZ"), msg))
            sys.exit(1)
        time.sleep(1)  # as K3s: waits for the datastore's propagation delay
        print("Token rotated, restart k3s nodes with new token")
    elif sub == "delete":
        if not rest:
            sys.stderr.write("missing subcommand; 'token delete' is missing token\n")
            sys.exit(1)
        for value in rest:
            m = TOKEN_ID.match(value) or FULL_TOKEN.match(value)
            if not m:
                sys.stderr.write('given token didn\'t match pattern "^([a-z0-9]{6})$" or "^([a-z0-9]{6})\\.([a-z0-9]{16})$"\n')
                sys.exit(1)
            tid = m.group(1) if m.re is FULL_TOKEN else value
            kubectl.call(opts, "DELETE", "/v1-k3s/tokens/" + tid)
            print('bootstrap token "%s" deleted' % tid)
    else:
        sys.stderr.write("NAME:\n   k3s token - Manage tokens\n\nUSAGE:\n   k3s token command [command options]\n\n"
                         "COMMANDS:\n   delete    Delete bootstrap tokens on the server\n   create    Create bootstrap tokens on the server\n"
                         "   generate  Generate and print a bootstrap token, but do not create it on the server\n"
                         "   list      List bootstrap tokens on the server\n"
                         "   rotate    Rotate original server token with a new server token\n")
        sys.exit(1)
