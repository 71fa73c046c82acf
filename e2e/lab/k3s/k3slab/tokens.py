"""`k3s token create|list|delete|generate` and the stand-in's /v1-k3s/tokens API behind them.

As on K3s (kubeadm-style bootstrap tokens): `create [--ttl 24h] [--description D]` prints
`K10<CA hash>::<id>.<secret>` (TTL 0 = never expires); `list` prints the table
`TOKEN TTL EXPIRES USAGES DESCRIPTION EXTRA GROUPS` with the token ID only (never the secret),
expired tokens left out (the token cleaner removes them); `delete ID|TOKEN...` prints
`bootstrap token "ID" deleted`. Bootstrap tokens join agents only (server.py's join check)."""
import hashlib, json, re, secrets, sys, time

from .common import parse_flags

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
                         "   list      List bootstrap tokens on the server\n")
        sys.exit(1)
