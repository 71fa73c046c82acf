"""Cluster state of the stand-in: nodes (with spec.unschedulable), node passwords (the
`<node>.node-password.k3s` secrets of kube-system), bootstrap tokens, and the workloads drain
works on (pods, deployments, PodDisruptionBudgets; see workloads.py).
Kept in /var/lib/rancher/k3s/server/ (survives restarts), like the real datastore."""
import hashlib, json, os, secrets, threading, time, uuid

from .common import SERVER_DIR, VERSION

GRACE = float(os.environ.get("K3S_LAB_NODE_GRACE", "20"))  # s without heartbeat -> not Ready


def now_iso(t=None):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t if t is not None else time.time()))


class Store:
    def __init__(self, path=SERVER_DIR + "/lab-state.json"):
        self.path, self.lock = path, threading.RLock()
        try:
            self.data = json.load(open(path))
        except (OSError, ValueError):
            self.data = {"nodes": {}, "tokens": [], "cidr": 0}
        for k in ("passwords", "pods", "deployments", "pdbs"):
            self.data.setdefault(k, {})

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data, f)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    # ---- bootstrap tokens (made, listed and deleted by tokens.py)
    def token_valid(self, value):
        if "." not in value:
            return False
        tid, sec = value.split(".", 1)
        h = hashlib.sha256(sec.encode()).hexdigest()
        with self.lock:
            return any(t["id"] == tid and secrets.compare_digest(t["hash"], h) and (not t["expires"] or t["expires"] > time.time())
                       for t in self.data["tokens"])

    # ---- nodes
    def register(self, info, node_password):
        """Returns None, or the real server's refusal message."""
        name = info["name"]
        ph = hashlib.sha256(node_password.encode()).hexdigest()
        with self.lock:
            old = self.data["nodes"].get(name)
            known = self.data["passwords"].get(name)  # the node-password secret, while it exists
            if known and not secrets.compare_digest(known, ph):
                return ("Node password rejected, duplicate hostname or contents of '/etc/rancher/node/password' "
                        "may not match server node-passwd entry, try enabling a unique node name with the --with-node-id flag")
            node = old or {"uid": str(uuid.uuid4()), "created": time.time(), "cidr": self._next_cidr()}
            # a restarted node reports the version of the binary it runs now
            node.update({k: info.get(k) for k in ("name", "role", "arch", "ip", "externalIP", "version", "labels", "os", "kernel", "machineID", "etcd")})
            node["heartbeat"] = time.time()
            self.data["passwords"][name] = ph
            self.data["nodes"][name] = node
            from . import workloads
            workloads.reconcile(self.data)
            self.save()
            return None

    def _next_cidr(self):
        self.data["cidr"] = self.data.get("cidr", -1) + 1
        return self.data["cidr"]

    def heartbeat(self, name):
        with self.lock:
            n = self.data["nodes"].get(name)
            if not n:
                return False
            n["heartbeat"] = time.time()
            return True  # kept in memory; written out with the next change or flush

    def tx(self, fn, write=True):
        """fn(data) under the lock; the state written out after it when `write`."""
        with self.lock:
            out = fn(self.data)
            if write:
                self.save()
            return out

    def flush(self):
        with self.lock:
            self.save()

    def delete(self, name):
        """As K3s: deleting a node also removes its node-password secret; its pods are collected
        and their controllers start them elsewhere."""
        with self.lock:
            if self.data["nodes"].pop(name, None) is None:
                return False
            self.data["passwords"].pop(name, None)
            from . import workloads
            workloads.reconcile(self.data)
            self.save()
            return True

    def set_unschedulable(self, name, value):
        """Returns the node, or None when there is none (kubectl cordon/uncordon patch it)."""
        with self.lock:
            n = self.data["nodes"].get(name)
            if not n:
                return None
            n["unschedulable"] = bool(value)
            from . import workloads
            workloads.reconcile(self.data)
            self.save()
            return to_k8s(n)

    def secret_names(self):
        with self.lock:
            return ["%s.node-password.k3s" % n for n in sorted(self.data["passwords"])]

    def delete_secret(self, name):
        with self.lock:
            if not name.endswith(".node-password.k3s") or self.data["passwords"].pop(name[:-len(".node-password.k3s")], None) is None:
                return False
            self.save()
            return True

    def names(self):
        with self.lock:
            return sorted(self.data["nodes"])

    def node_json(self, name):
        with self.lock:
            n = self.data["nodes"].get(name)
            return to_k8s(n) if n else None

    def node_list(self):
        with self.lock:
            items = [to_k8s(self.data["nodes"][k]) for k in sorted(self.data["nodes"])]
        return {"kind": "NodeList", "apiVersion": "v1", "metadata": {"resourceVersion": str(int(time.time()))}, "items": items}


def is_ready(n):
    return time.time() - n.get("heartbeat", 0) <= GRACE


def to_k8s(n):
    age = time.time() - n.get("heartbeat", 0)
    if age <= GRACE:
        cond = {"status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}
    else:
        cond = {"status": "Unknown", "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status."}
    cond.update(type="Ready", lastHeartbeatTime=now_iso(n.get("heartbeat")), lastTransitionTime=now_iso(n.get("heartbeat")))
    labels = {"beta.kubernetes.io/arch": n["arch"], "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": n["arch"],
              "kubernetes.io/hostname": n["name"], "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": "k3s"}
    if n.get("role") == "server":
        labels["node-role.kubernetes.io/control-plane"] = "true"
        labels["node-role.kubernetes.io/master"] = "true"
        if n.get("etcd"):
            labels["node-role.kubernetes.io/etcd"] = "true"
    labels.update(n.get("labels") or {})
    cidr = "10.42.%d.0/24" % n.get("cidr", 0)
    spec = {"podCIDR": cidr, "podCIDRs": [cidr], "providerID": "k3s://" + n["name"]}
    if n.get("unschedulable"):
        spec["unschedulable"] = True
        spec["taints"] = [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": now_iso()}]
    return {
        "kind": "Node", "apiVersion": "v1",
        "metadata": {"name": n["name"], "uid": n["uid"], "creationTimestamp": now_iso(n["created"]), "labels": labels,
                     "annotations": {"k3s.io/internal-ip": n.get("ip") or "", "k3s.io/hostname": n["name"]}},
        "spec": spec,
        "status": {
            "addresses": [{"type": "InternalIP", "address": n.get("ip") or ""}]
            + ([{"type": "ExternalIP", "address": n["externalIP"]}] if n.get("externalIP") else [])
            + [{"type": "Hostname", "address": n["name"]}],
            "conditions": [cond],
            "nodeInfo": {"architecture": n["arch"], "kubeletVersion": n.get("version") or VERSION,
                         "kubeProxyVersion": n.get("version") or VERSION, "operatingSystem": "linux",
                         "osImage": n.get("os") or "", "kernelVersion": n.get("kernel") or "",
                         "containerRuntimeVersion": "containerd://2.1.4-k3s1", "machineID": n.get("machineID") or ""},
        },
    }
