"""`kubectl cordon|uncordon|drain NODE`, `kubectl run`, `kubectl create deployment|pdb`,
`kubectl get pods|secrets`, `kubectl delete pod|secret`: the client side of day-two work,
printing what the real kubectl prints. Drain is client-side, as in kubectl: cordon, list the
node's pods, refuse bare pods without --force, evict each (retrying while a
PodDisruptionBudget forbids it) until --timeout."""
import json, sys, time
from urllib.parse import quote

from . import client
from .kubectl import call, duration, load, table

KINDS = {"pods": "pod", "pod": "pod", "po": "pod", "secrets": "secret", "secret": "secret",
         "pdb": "pdb", "poddisruptionbudget": "pdb", "poddisruptionbudgets": "pdb"}
NOT_OWNED = "cannot delete Pods that declare no controller (use --force to override)"


def try_call(opts, method, path, body=None):
    """(status, doc) without exiting on an HTTP error."""
    srv, ctx, tok, _ = load(opts)
    try:
        return 200, json.loads(client.request(srv + path, method, body, ctx=ctx, bearer=tok))
    except client.HTTPError as e:
        try:
            return e.status, json.loads(e.body)
        except ValueError:
            return e.status, {"message": e.body}
    except OSError:
        sys.stderr.write("The connection to the server %s was refused - did you specify the right host or port?\n" % srv.split("://", 1)[-1])
        sys.exit(1)


def cordon(opts, name, value):
    node = call(opts, "GET", "/api/v1/nodes/" + quote(name))
    word = "cordoned" if value else "uncordoned"
    if bool(node["spec"].get("unschedulable")) == value:
        print("node/%s already %s" % (name, word))
        return
    call(opts, "PATCH", "/api/v1/nodes/" + quote(name), {"spec": {"unschedulable": value}})
    print("node/%s %s" % (name, word))


def fail_drain(name, errors):
    text = ", ".join(errors)
    sys.stderr.write("error: unable to drain node \"%s\" due to error: %s, continuing command...\n" % (name, text))
    sys.stderr.write("There are pending nodes to be drained:\n %s\n" % name)
    for e in errors:
        sys.stderr.write("%s\n" % e)
    sys.exit(1)


def drain(opts, name):
    timeout = duration(opts.get("timeout", "0s") or "0s")
    deadline = time.time() + timeout if timeout else None
    cordon(opts, name, True)
    pods = call(opts, "GET", "/api/v1/pods?fieldSelector=" + quote("spec.nodeName=" + name))["items"]
    bare = ["%s/%s" % (p["metadata"]["namespace"], p["metadata"]["name"]) for p in pods if not p["metadata"].get("ownerReferences")]
    if bare and not opts.get("force"):
        fail_drain(name, ["%s: %s" % (NOT_OWNED, ", ".join(bare))])
    if bare:
        sys.stderr.write("Warning: deleting Pods that declare no controller: %s\n" % ", ".join(bare))
    pending = list(pods)
    for p in pending:
        print("evicting pod %s/%s" % (p["metadata"]["namespace"], p["metadata"]["name"]))
    while pending:
        left = []
        for p in pending:
            ns, pn = p["metadata"]["namespace"], p["metadata"]["name"]
            code, doc = try_call(opts, "POST", "/api/v1/namespaces/%s/pods/%s/eviction" % (ns, quote(pn)),
                                 {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": pn, "namespace": ns}})
            if code in (200, 201, 404):
                print("pod/%s evicted" % pn)
            elif code == 429:
                sys.stderr.write('error when evicting pods/"%s" -n "%s" (will retry after 5s): %s\n' % (pn, ns, doc.get("message", "")))
                left.append(p)
            else:
                fail_drain(name, ['error when evicting pods/"%s" -n "%s": %s' % (pn, ns, doc.get("message", ""))])
        pending = left
        if not pending:
            break
        if deadline and time.time() + 5 > deadline:
            time.sleep(max(0, deadline - time.time()))
            errs = ['error when evicting pods/"%s" -n "%s": global timeout reached: %s' % (p["metadata"]["name"], p["metadata"]["namespace"], opts["timeout"]) for p in pending]
            sys.stderr.write("There are pending pods in node \"%s\" when an error occurred: [%s]\n" % (name, ", ".join(errs)))
            fail_drain(name, ["[%s]" % ", ".join(errs)])
        time.sleep(5)
    print("node/%s drained" % name)


def namespace(opts):
    return opts.get("namespace") or opts.get("n") or "default"


def pod_rows(items, wide, all_ns):
    rows = []
    for p in items:
        ready = "1/1" if p["status"]["phase"] == "Running" else "0/1"
        r = ([p["metadata"]["namespace"]] if all_ns else []) + [p["metadata"]["name"], ready, p["status"]["phase"], "0", "1m"]
        if wide:
            r += ["10.42.0.10", p["spec"].get("nodeName") or "<none>"]
        rows.append(r)
    return rows


def get(opts, kind, names):
    out = opts.get("output", opts.get("o"))
    if kind in ("pods", "pod", "po"):
        all_ns = bool(opts.get("all-namespaces") or opts.get("A"))
        path = "/api/v1/pods" if all_ns else "/api/v1/namespaces/%s/pods" % namespace(opts)
        sel = opts.get("field-selector")
        doc = call(opts, "GET", path + ("?fieldSelector=" + quote(sel) if sel else ""))
        items = [p for p in doc["items"] if not names or p["metadata"]["name"] in names]
        if out == "json":
            print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}}, indent=4))
        elif out == "name":
            for p in items:
                print("pod/" + p["metadata"]["name"])
        elif not items:
            sys.stderr.write("No resources found%s.\n" % ("" if all_ns else " in %s namespace" % namespace(opts)))
        else:
            head = (["NAMESPACE"] if all_ns else []) + ["NAME", "READY", "STATUS", "RESTARTS", "AGE"] + (["IP", "NODE"] if out == "wide" else [])
            table(pod_rows(items, out == "wide", all_ns), head)
        return
    # secrets: the node passwords are what the stand-in keeps
    if namespace(opts) != "kube-system":
        sys.stderr.write("No resources found in %s namespace.\n" % namespace(opts))
        return
    items = [s for s in call(opts, "GET", "/api/v1/namespaces/kube-system/secrets")["items"] if not names or s["metadata"]["name"] in names]
    missing = [n for n in names if n not in [s["metadata"]["name"] for s in items]]
    if out == "name":
        for s in items:
            print("secret/" + s["metadata"]["name"])
    elif out == "json":
        print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}}, indent=4))
    elif items:
        table([[s["metadata"]["name"], "Opaque", "1", "1m"] for s in items], ["NAME", "TYPE", "DATA", "AGE"])
    for n in missing:
        sys.stderr.write('Error from server (NotFound): secrets "%s" not found\n' % n)
    if missing:
        sys.exit(1)


def delete(opts, kind, names):
    ignore = bool(opts.get("ignore-not-found"))
    ns = namespace(opts)
    res, path = {"pod": ("pod", "/api/v1/namespaces/%s/pods/" % ns),
                 "pdb": ("poddisruptionbudget.policy", "/apis/policy/v1/namespaces/%s/poddisruptionbudgets/" % ns),
                 "secret": ("secret", "/api/v1/namespaces/%s/secrets/" % ns)}[KINDS[kind]]
    failed = False
    for n in names:
        code, doc = try_call(opts, "DELETE", path + quote(n))
        if code == 200:
            print('%s "%s" deleted' % (res, n))
        elif code == 404 and ignore:
            continue
        else:
            sys.stderr.write("Error from server (%s): %s\n" % (doc.get("reason", "NotFound"), doc.get("message", "")))
            failed = True
    if failed:
        sys.exit(1)


def create(opts, rest):
    ns = namespace(opts)
    if rest[:1] == ["deployment"] and len(rest) > 1:
        name = rest[1]
        body = {"metadata": {"name": name, "labels": {"app": name}},
                "spec": {"replicas": int(opts.get("replicas", 1)), "selector": {"matchLabels": {"app": name}}}}
        call(opts, "POST", "/apis/apps/v1/namespaces/%s/deployments" % ns, body)
        print("deployment.apps/%s created" % name)
    elif rest[:1] in (["poddisruptionbudget"], ["pdb"]) and len(rest) > 1:
        name = rest[1]
        sel = dict(kv.split("=", 1) for kv in str(opts.get("selector", "")).split(",") if "=" in kv)
        if not sel:
            sys.stderr.write("error: a selector must be specified\n")
            sys.exit(1)
        call(opts, "POST", "/apis/policy/v1/namespaces/%s/poddisruptionbudgets" % ns,
             {"metadata": {"name": name}, "spec": {"selector": {"matchLabels": sel}, "minAvailable": int(opts.get("min-available", 1))}})
        print("poddisruptionbudget.policy/%s created" % name)
    else:
        sys.stderr.write("error: the lab stand-in creates deployment and poddisruptionbudget only\n")
        sys.exit(1)


def run_pod(opts, rest):
    name = rest[0] if rest else ""
    if not opts.get("image"):
        sys.stderr.write("error: required flag(s) \"image\" not set\n")
        sys.exit(1)
    spec = {"containers": [{"name": name, "image": opts["image"]}]}
    if opts.get("overrides"):
        spec.update((json.loads(opts["overrides"]).get("spec")) or {})
    call(opts, "POST", "/api/v1/namespaces/%s/pods" % namespace(opts), {"metadata": {"name": name, "labels": {"run": name}}, "spec": spec})
    print("pod/%s created" % name)


def dispatch(opts, rest):
    """True when the command is one of these."""
    verb, args = (rest[0], rest[1:]) if rest else ("", [])
    if verb in ("cordon", "uncordon", "drain"):
        if not args:
            sys.stderr.write("error: USAGE: %s NODE [flags]\n" % verb)
            sys.exit(1)
        for n in args:
            drain(opts, n) if verb == "drain" else cordon(opts, n, verb == "cordon")
        return True
    if verb == "run":
        run_pod(opts, args)
        return True
    if verb == "create":
        create(opts, args)
        return True
    if verb == "delete" and args and args[0] in KINDS:
        delete(opts, args[0], args[1:])
        return True
    if verb == "get" and args and args[0] in ("pods", "pod", "po", "secrets", "secret"):
        get(opts, args[0], args[1:])
        return True
    return False
