"""`k3s kubectl` / `kubectl` (get nodes, get node NAME [-o json|name|wide|jsonpath=…],
get --raw PATH, delete node NAME, rollout status deployment/coredns, version; cordon, drain,
pods, secrets: kubectl_ops.py): clients of the stand-in API with the kubeconfig's mTLS identity.
(`k3s token`: tokens.py.)"""
import hashlib, json, os, re, sys, time

from . import client
from .common import VERSION, kubectl_default_config, parse_flags


def load(opts):
    path = opts.get("kubeconfig") or os.environ.get("KUBECONFIG") or kubectl_default_config()
    try:
        srv, ca, crt, key, tok = client.kubeconfig(path)
        srv = opts.get("server") or srv  # --server, as kubectl takes it
    except PermissionError:
        sys.stderr.write("WARN[0000] Unable to read %s, please start server with --write-kubeconfig-mode or --write-kubeconfig-group to modify kube config permissions\n" % path)
        sys.stderr.write('error: error loading config file "%s": open %s: permission denied\n' % (path, path))
        sys.exit(1)
    except OSError:
        sys.stderr.write("E0000 memcache.go:265] couldn't get current server API group list: Get \"http://localhost:8080/api?timeout=32s\": dial tcp [::1]:8080: connect: connection refused\n")
        sys.stderr.write("The connection to the server localhost:8080 was refused - did you specify the right host or port?\n")
        sys.exit(1)
    return srv, client.context(ca, crt, key) if crt else client.context(ca), tok, ca


def call(opts, method, path, body=None):
    srv, ctx, tok, _ = load(opts)
    try:
        return json.loads(client.request(srv + path, method, body, ctx=ctx, bearer=tok))
    except client.HTTPError as e:
        try:
            msg = json.loads(e.body).get("message", e.body)
        except ValueError:
            msg = e.body
        sys.stderr.write("Error from server (%s): %s\n" % ({404: "NotFound", 401: "Unauthorized", 403: "Forbidden"}.get(e.status, "InternalError"), msg))
        sys.exit(1)
    except OSError as e:
        host = srv.split("://", 1)[-1]
        sys.stderr.write("The connection to the server %s was refused - did you specify the right host or port?\n" % host)
        sys.exit(1)


def age(ts):
    t = time.time() - time.mktime(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ")) + time.mktime(time.gmtime(0))
    t = max(0, int(t))
    for unit, s in (("d", 86400), ("h", 3600), ("m", 60)):
        if t >= s * (2 if unit != "d" else 1):
            return "%d%s" % (t // s, unit)
    return "%ds" % t


def row(n, wide):
    ready = next((c["status"] for c in n["status"]["conditions"] if c["type"] == "Ready"), "Unknown")
    roles = sorted(k.split("/", 1)[1] for k in n["metadata"]["labels"] if k.startswith("node-role.kubernetes.io/"))
    state = "Ready" if ready == "True" else "NotReady"
    if n["spec"].get("unschedulable"):
        state += ",SchedulingDisabled"
    cols = [n["metadata"]["name"], state, ",".join(roles) or "<none>",
            age(n["metadata"]["creationTimestamp"]), n["status"]["nodeInfo"]["kubeletVersion"]]
    if wide:
        ip = next((a["address"] for a in n["status"]["addresses"] if a["type"] == "InternalIP"), "<none>")
        i = n["status"]["nodeInfo"]
        cols += [ip, "<none>", i["osImage"], i["kernelVersion"], i["containerRuntimeVersion"]]
    return cols


def table(rows, head):
    w = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    for r in [head] + rows:
        print("   ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())


PATH_PART = r'\.[A-Za-z0-9_-]+|\[\?\(@\.[A-Za-z0-9_-]+=="[^"]*"\)\]|\[\d+\]|\[\*\]'
# A template: {…} blocks ("quoted" text inside them may hold braces) and plain text between them.
BLOCK = r'\{((?:"(?:[^"\\]|\\.)*"|[^{}"])*)\}|([^{}]+)'


def select(values, body):
    """The values a path such as .a.b, .a[0], .a[*] or .a[?(@.k=="v")].b picks from each value."""
    for part in re.findall(PATH_PART, body):
        nxt = []
        for v in values:
            if part == "[*]":
                nxt += v if isinstance(v, list) else []
            elif part.startswith("[?"):
                k, want = re.match(r'\[\?\(@\.([A-Za-z0-9_-]+)=="([^"]*)"\)\]', part).groups()
                nxt += [x for x in (v if isinstance(v, list) else []) if isinstance(x, dict) and x.get(k) == want]
            elif part.startswith("["):
                i = int(part[1:-1])
                if isinstance(v, list) and i < len(v):
                    nxt.append(v[i])
            elif isinstance(v, dict) and part[1:] in v:
                nxt.append(v[part[1:]])
        values = nxt
    return values


def render(blocks, i, cur):
    """Renders blocks[i:] against cur up to the {end} that closes them: (text, index after it)."""
    out = []
    while i < len(blocks):
        inner, text = blocks[i]
        body = inner.strip()
        i += 1
        if text:
            out.append(text)
        elif body == "end":
            return "".join(out), i
        elif body.startswith("range "):
            after = render(blocks, i, None)[1]  # where the range's {end} is, whatever it holds
            for item in select([cur], body[len("range "):].strip()):
                out.append(render(blocks, i, item)[0])
            i = after
        elif body.startswith('"'):
            out.append(json.loads(body))  # "\n", "\t": escapes as kubectl (Go) reads them
        else:
            out.append(" ".join(v if isinstance(v, str) else json.dumps(v) for v in select([cur], body)))
    return "".join(out), i


def jsonpath(doc, expr):
    """The part of kubectl's JSONPath that scripts use on nodes: {.a.b}, {.a[0]}, {.a[*]},
    {.a[?(@.k=="v")].b}, {range .items[*]}…{end} and {"quoted text"}; several matches of one
    path are joined by spaces, as kubectl prints them."""
    return render(re.findall(BLOCK, expr.strip()), 0, doc)[0]


def rollout(opts, what):
    """`rollout status deployment/coredns`: CoreDNS runs as soon as a node is Ready, as on K3s."""
    if what != ["deployment/coredns"] or opts.get("namespace", opts.get("n")) != "kube-system":
        sys.stderr.write('Error from server (NotFound): deployments.apps "%s" not found\n' % "/".join(what))
        sys.exit(1)
    deadline = time.time() + duration(opts.get("timeout", "0s") or "0s")
    while True:
        nodes = call(opts, "GET", "/api/v1/nodes")["items"]
        if any(c["type"] == "Ready" and c["status"] == "True" for n in nodes for c in n["status"]["conditions"]):
            print('deployment "coredns" successfully rolled out')
            return
        if time.time() >= deadline:
            print('Waiting for deployment "coredns" rollout to finish: 0 of 1 updated replicas are available...')
            sys.stderr.write("error: timed out waiting for the condition\n")
            sys.exit(1)
        time.sleep(1)


def kubectl(args):
    from . import rbac_cli
    if rbac_cli.handles(args):  # namespaces, service accounts, RBAC (rbac.py)
        return rbac_cli.run(args, load)
    opts, rest = parse_flags(args)
    out = opts.get("output", opts.get("o"))
    if rest[:1] == ["get"] and "raw" in opts:
        srv, ctx, tok, _ = load(opts)
        try:
            body = client.request(srv + opts["raw"], "GET", None, ctx=ctx, bearer=tok)
            sys.stdout.write(body.decode() if isinstance(body, bytes) else body)
        except client.HTTPError as e:
            sys.stderr.write("Error from server (%s): %s\n" % ({404: "NotFound"}.get(e.status, "InternalError"), e.body))
            sys.exit(1)
        except OSError:
            sys.stderr.write("The connection to the server %s was refused - did you specify the right host or port?\n" % srv.split("://", 1)[-1])
            sys.exit(1)
        return
    if rest[:2] == ["rollout", "status"]:
        return rollout(opts, rest[2:])
    if not rest or rest[0] in ("version",):
        print("Client Version: %s\nKustomize Version: v5.6.0" % VERSION.replace("+k3s1", "+k3s1"))
        if rest:
            v = call(opts, "GET", "/version")
            print("Server Version: %s" % v["gitVersion"])
        return
    from . import kubectl_ops
    if kubectl_ops.dispatch(opts, rest):
        return
    verb, what = rest[0], rest[1:] if len(rest) > 1 else []
    if what and what[0] in ("endpoints", "ep") and verb == "get":
        from . import listener
        return listener.kubectl_endpoints(call, opts, what[1:], out)
    if not what or what[0] not in ("nodes", "node", "no"):
        sys.stderr.write('error: the server doesn\'t have a resource type "%s"\n' % (what[0] if what else ""))
        sys.exit(1)
    names = what[1:]
    if verb == "get":
        if names:
            items = [call(opts, "GET", "/api/v1/nodes/" + x) for x in names]
            doc = items[0] if len(items) == 1 else {"apiVersion": "v1", "kind": "List", "items": items}
        else:
            doc = call(opts, "GET", "/api/v1/nodes")
            doc = {"apiVersion": "v1", "kind": "List", "items": doc["items"], "metadata": {"resourceVersion": ""}}
            items = doc["items"]
        if out == "json":
            print(json.dumps(doc, indent=4))
        elif out and out.startswith("jsonpath="):
            sys.stdout.write(jsonpath(doc, out[len("jsonpath="):]))
        elif out == "name":
            for n in items:
                print("node/" + n["metadata"]["name"])
        else:
            if not items:
                sys.stderr.write("No resources found\n")
                return
            head = ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
            if out == "wide":
                head += ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]
            table([row(n, out == "wide") for n in items], head)
    elif verb == "delete":
        from .kubectl_ops import try_call
        for x in names:
            code, doc = try_call(opts, "DELETE", "/api/v1/nodes/" + x)
            if code == 404 and opts.get("ignore-not-found"):
                continue
            if code != 200:
                sys.stderr.write("Error from server (%s): %s\n" % (doc.get("reason", "NotFound"), doc.get("message", "")))
                sys.exit(1)
            print('node "%s" deleted' % x)
    else:
        sys.stderr.write("error: unknown command \"%s\" for \"kubectl\" (lab stand-in: get/delete nodes, version)\n" % verb)
        sys.exit(1)


def duration(s):
    total, s = 0.0, str(s)
    for num, unit in re.findall(r"(\d+(?:\.\d+)?)(h|m|s)", s):
        total += float(num) * {"h": 3600, "m": 60, "s": 1}[unit]
    if not re.fullmatch(r"(\d+(?:\.\d+)?(h|m|s))+", s):
        sys.stderr.write('Incorrect Usage: invalid value "%s" for flag -ttl: parse error\n' % s)
        sys.exit(1)
    return total

