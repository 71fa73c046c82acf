"""Workloads of the stand-in, as much as cordon and drain need: pods bound to nodes, the
Deployments that own some of them (K3s' own: coredns, local-path-provisioner, metrics-server),
bare pods (`kubectl run`), PodDisruptionBudgets, and the eviction API that honours them.

The controllers are one function, reconcile(): pods on nodes that no longer exist are
collected, a Deployment short of replicas gets new pods on a schedulable Ready node (the one
running the fewest), pods that found no node stay Pending until one can take them."""
import secrets, time

from .store import is_ready, now_iso

SYSTEM = {"coredns": "coredns", "local-path-provisioner": "local-storage", "metrics-server": "metrics-server"}


def key(ns, name):
    return "%s/%s" % (ns, name)


def ensure_system(data, disabled):
    """K3s' packaged Deployments in kube-system, unless --disable'd (written once)."""
    for name, component in SYSTEM.items():
        k = key("kube-system", name)
        if component not in disabled and k not in data["deployments"]:
            data["deployments"][k] = {"ns": "kube-system", "name": name, "replicas": 1, "labels": {"k8s-app": name},
                                      "hash": secrets.token_hex(5)[:10], "created": time.time()}


def schedulable(data):
    return [n for n in sorted(data["nodes"]) if is_ready(data["nodes"][n]) and not data["nodes"][n].get("unschedulable")]


def place(data):
    """The schedulable node with the fewest pods, or None."""
    nodes = schedulable(data)
    if not nodes:
        return None
    load = {n: 0 for n in nodes}
    for p in data["pods"].values():
        if p.get("node") in load:
            load[p["node"]] += 1
    return min(nodes, key=lambda n: (load[n], n))


def reconcile(data):
    pods = data["pods"]
    for k in [k for k, p in pods.items() if p.get("node") and p["node"] not in data["nodes"]]:
        del pods[k]  # pod garbage collection: bound to a node that is gone
    for p in pods.values():
        if not p.get("node"):
            p["node"] = place(data)
    for d in data["deployments"].values():
        have = [p for p in pods.values() if p.get("owner") == "ReplicaSet/%s-%s" % (d["name"], d["hash"])]
        for _ in range(d["replicas"] - len(have)):
            name = "%s-%s-%s" % (d["name"], d["hash"], secrets.token_hex(3)[:5])
            pods[key(d["ns"], name)] = {"ns": d["ns"], "name": name, "labels": dict(d["labels"]),
                                        "owner": "ReplicaSet/%s-%s" % (d["name"], d["hash"]), "node": place(data),
                                        "created": time.time()}


def pod_json(data, p):
    node = data["nodes"].get(p.get("node") or "")
    running = bool(node) and is_ready(node)
    meta = {"name": p["name"], "namespace": p["ns"], "labels": p.get("labels") or {},
            "creationTimestamp": now_iso(p.get("created"))}
    if p.get("owner"):
        kind, name = p["owner"].split("/", 1)
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": kind, "name": name, "controller": True,
                                    "blockOwnerDeletion": True}]
    spec = {"containers": [{"name": p["name"].split("-")[0], "image": p.get("image") or "rancher/mirrored-pause:3.6"}]}
    if p.get("node"):
        spec["nodeName"] = p["node"]
    return {"kind": "Pod", "apiVersion": "v1", "metadata": meta, "spec": spec,
            "status": {"phase": "Running" if running else "Pending",
                       "conditions": [{"type": "Ready", "status": "True" if running else "False"}]}}


def pod_list(data, ns=None, node=None):
    items = [pod_json(data, p) for k, p in sorted(data["pods"].items())
             if (ns is None or p["ns"] == ns) and (node is None or p.get("node") == node)]
    return {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": str(int(time.time()))}, "items": items}


def create_pod(data, ns, doc):
    name = (doc.get("metadata") or {}).get("name") or ""
    if not name:
        return 422, "Pod \"\" is invalid: metadata.name: Required value: name or generateName is required"
    if key(ns, name) in data["pods"]:
        return 409, 'pods "%s" already exists' % name
    spec = doc.get("spec") or {}
    image = ((spec.get("containers") or [{}])[0]).get("image")
    data["pods"][key(ns, name)] = {"ns": ns, "name": name, "labels": (doc.get("metadata") or {}).get("labels") or {},
                                   "owner": None, "node": spec.get("nodeName") or place(data), "image": image,
                                   "created": time.time()}
    return 201, None


def create_deployment(data, ns, doc):
    name = (doc.get("metadata") or {}).get("name") or ""
    if key(ns, name) in data["deployments"]:
        return 409, 'deployments.apps "%s" already exists' % name
    spec = doc.get("spec") or {}
    labels = ((spec.get("selector") or {}).get("matchLabels")) or {"app": name}
    data["deployments"][key(ns, name)] = {"ns": ns, "name": name, "replicas": int(spec.get("replicas", 1)),
                                          "labels": labels, "hash": secrets.token_hex(5)[:10], "created": time.time()}
    reconcile(data)
    return 201, None


def create_pdb(data, ns, doc):
    name = (doc.get("metadata") or {}).get("name") or ""
    if key(ns, name) in data["pdbs"]:
        return 409, 'poddisruptionbudgets.policy "%s" already exists' % name
    spec = doc.get("spec") or {}
    data["pdbs"][key(ns, name)] = {"ns": ns, "name": name, "selector": (spec.get("selector") or {}).get("matchLabels") or {},
                                   "minAvailable": int(spec.get("minAvailable", 1))}
    return 201, None


def healthy(data, p):
    node = data["nodes"].get(p.get("node") or "")
    return bool(node) and is_ready(node)


def evict(data, ns, name):
    """(code, message): 201 evicted, 404 no such pod, 429 a PodDisruptionBudget forbids it."""
    p = data["pods"].get(key(ns, name))
    if not p:
        return 404, 'pods "%s" not found' % name
    for b in data["pdbs"].values():
        if b["ns"] != ns or not b["selector"] or any((p.get("labels") or {}).get(k) != v for k, v in b["selector"].items()):
            continue
        matching = [q for q in data["pods"].values() if q["ns"] == ns and all((q.get("labels") or {}).get(k) == v for k, v in b["selector"].items())]
        ok = sum(1 for q in matching if healthy(data, q))
        if healthy(data, p) and ok - 1 < b["minAvailable"]:
            return 429, "Cannot evict pod as it would violate the pod's disruption budget."
    del data["pods"][key(ns, name)]
    reconcile(data)
    return 201, None
