"""`k3s kubectl` for namespaces and RBAC: apply -f (JSON: an object or a List of Namespace,
ServiceAccount, Role, RoleBinding), create token SA [-n NS] [--duration D], create namespace,
delete namespace(s) [--ignore-not-found], get namespaces [-o name|json]. Output as kubectl's."""
import json, sys

from . import client
from .common import ALIASES, parse_flags

WORDS = {"namespace": "namespaces", "namespaces": "namespaces", "ns": "namespaces"}
# kubectl's short flags (besides k3s's: -s server, -t token, -o output)
SHORT = {**ALIASES, "n": "namespace", "f": "filename"}


def _flags(args):
    return parse_flags(args, SHORT)


def handles(args):
    _, rest = _flags(args)
    return (rest[:1] == ["apply"] or rest[:2] in (["create", "token"], ["create", "namespace"])
            or (rest[:1] in (["delete"], ["get"]) and len(rest) > 1 and rest[1] in WORDS))


def _path(obj):
    kind = obj.get("kind")
    ns = (obj.get("metadata") or {}).get("namespace") or "default"
    if kind == "Namespace":
        return "/api/v1/namespaces", "namespace"
    if kind == "ServiceAccount":
        return "/api/v1/namespaces/%s/serviceaccounts" % ns, "serviceaccount"
    if kind in ("Role", "RoleBinding"):
        return "/apis/rbac.authorization.k8s.io/v1/namespaces/%s/%ss" % (ns, kind.lower()), kind.lower() + ".rbac.authorization.k8s.io"
    sys.stderr.write('error: resource mapping not found for name: "%s": no matches for kind "%s" in the lab stand-in\n'
                     % ((obj.get("metadata") or {}).get("name"), kind))
    sys.exit(1)


def run(args, load):
    opts, rest = _flags(args)
    srv, ctx, tok, _ = load(opts)

    def req(method, path, body=None):
        return json.loads(client.request(srv + path, method, body, ctx=ctx, bearer=tok))

    def fail(e):
        try:
            msg = json.loads(e.body).get("message", e.body)
        except ValueError:
            msg = e.body
        reason = {404: "NotFound", 401: "Unauthorized", 403: "Forbidden", 409: "AlreadyExists"}.get(e.status, "BadRequest")
        sys.stderr.write("Error from server (%s): %s\n" % (reason, msg))
        sys.exit(1)

    try:
        if rest[0] == "apply":
            src = opts.get("filename")
            text = sys.stdin.read() if src in ("-", None) else open(src).read()
            doc = json.loads(text)
            for obj in doc.get("items", []) if doc.get("kind") == "List" else [doc]:
                path, word = _path(obj)
                name = obj["metadata"]["name"]
                try:
                    req("POST", path, obj)
                    print("%s/%s created" % (word, name))
                except client.HTTPError as e:
                    if e.status != 409:
                        fail(e)
                    req("PUT", "%s/%s" % (path, name), obj)
                    print("%s/%s configured" % (word, name))
        elif rest[:2] == ["create", "token"]:
            ns = opts.get("namespace", "default")
            from .kubectl import duration
            seconds = int(duration(opts.get("duration", "1h")))
            out = req("POST", "/api/v1/namespaces/%s/serviceaccounts/%s/token" % (ns, rest[2]),
                      {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": seconds}})
            print(out["status"]["token"])
        elif rest[:2] == ["create", "namespace"]:
            req("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": rest[2]}})
            print("namespace/%s created" % rest[2])
        elif rest[0] == "delete":
            for name in rest[2:]:
                try:
                    req("DELETE", "/api/v1/namespaces/" + name)
                    print('namespace "%s" deleted' % name)
                except client.HTTPError as e:
                    if e.status == 404 and opts.get("ignore-not-found") in (True, "true"):
                        continue
                    fail(e)
        else:  # get namespaces
            names = rest[2:]
            items = [req("GET", "/api/v1/namespaces/" + n) for n in names] if names else req("GET", "/api/v1/namespaces")["items"]
            out = opts.get("output")
            if out == "name":
                for o in items:
                    print("namespace/" + o["metadata"]["name"])
            elif out == "json":
                print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}, indent=4))
            else:
                from .kubectl import age, table
                table([[o["metadata"]["name"], "Active", age(o["metadata"]["creationTimestamp"])] for o in items],
                      ["NAME", "STATUS", "AGE"])
    except client.HTTPError as e:
        fail(e)
    except OSError:
        sys.stderr.write("The connection to the server %s was refused - did you specify the right host or port?\n" % srv.split("://", 1)[-1])
        sys.exit(1)
