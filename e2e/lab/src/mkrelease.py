#!/usr/bin/env python3
"""Builds the K3s stand-in release files: per version and arch a single-file
executable (a Python zipapp with its arch and version baked in, so their sha256
differ as real binaries do), sha256sum-<arch>.txt in the upstream format, and
small air-gap image tarballs.  Also, under broken/<ver>/, a build of each that installs (its
checksums match) but dies at start as a bad build does: `lab mirror break VER ARCH` serves it.
Usage: mkrelease.py K3S_SRC OUT_DIR AIRGAP_DIR"""
import hashlib, io, json, os, subprocess, sys, tarfile, zipfile

# The first is what the tests install by default; three minors, so upgrades go one at a time.
VERSIONS = {"v1.33.5+k3s1": "go1.24.6", "v1.32.9+k3s1": "go1.23.12", "v1.34.1+k3s1": "go1.24.6"}
STABLE = "v1.33.5+k3s1"
LATEST = "v1.34.1+k3s1"  # upstream: `latest` runs ahead of `stable` (a newer minor)
ARCHES = {"amd64": "", "arm64": "-arm64", "arm": "-armhf"}  # sums name -> binary suffix
FIXED = (2025, 1, 1, 0, 0, 0)  # fixed zip timestamps: same inputs, same sha256


def zipapp(src, arch, version, go, broken=False):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def add(name, data):
            z.writestr(zipfile.ZipInfo(name, FIXED), data)
        add("__main__.py", open(os.path.join(src, "__main__.py")).read())
        for f in sorted(os.listdir(os.path.join(src, "k3slab"))):
            if f.endswith(".py"):
                add("k3slab/" + f, open(os.path.join(src, "k3slab", f)).read())
        add("k3slab/_build.py", "ARCH = %r\nVERSION = %r\nGO = %r\nBROKEN = %r\n" % (arch, version, go, broken))
    return b"#!/usr/bin/python3\n" + buf.getvalue()


def images_tarball(arch, version):
    """A small stand-in of k3s-airgap-images-<arch>.tar.zst (docker save layout)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in (("manifest.json", json.dumps([{"Config": "config.json", "RepoTags": [
                "docker.io/rancher/mirrored-pause:3.6", "docker.io/rancher/mirrored-coredns-coredns:1.12.3"], "Layers": []}])),
                ("repositories", json.dumps({"rancher/mirrored-pause": {"3.6": "lab"}})),
                ("config.json", json.dumps({"architecture": arch, "os": "linux", "k3s": version}))):
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1735689600
            t.addfile(info, io.BytesIO(data.encode()))
    return subprocess.run(["zstd", "-q", "-c"], input=buf.getvalue(), capture_output=True, check=True).stdout


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def main():
    src, out, airgap = sys.argv[1:4]
    for version, go in VERSIONS.items():
        d = os.path.join(out, "k3s-io/k3s/releases/download", version)
        for arch, suffix in ARCHES.items():
            binary, images = zipapp(src, arch, version, go), images_tarball(arch, version)
            bad = zipapp(src, arch, version, go, broken=True)
            bad_sums = "".join("%s  %s\n" % (hashlib.sha256(data).hexdigest(), name)
                               for name, data in sorted({"k3s" + suffix: bad, "k3s-airgap-images-%s.tar.zst" % arch: images}.items()))
            write(os.path.join(out, "broken", version, "k3s" + suffix), bad, 0o755)
            write(os.path.join(out, "broken", version, "sha256sum-%s.txt" % arch), bad_sums.encode())
            files = {"k3s" + suffix: binary, "k3s-airgap-images-%s.tar.zst" % arch: images}
            sums = "".join("%s  %s\n" % (hashlib.sha256(data).hexdigest(), name) for name, data in sorted(files.items()))
            for name, data in files.items():
                write(os.path.join(d, name), data, 0o755 if name.startswith("k3s" + suffix) and not name.endswith(".zst") else 0o644)
            write(os.path.join(d, "sha256sum-%s.txt" % arch), sums.encode())
            if version == STABLE:
                for name, data in files.items():
                    write(os.path.join(airgap, name), data, 0o755 if not name.endswith(".zst") else 0o644)
                write(os.path.join(airgap, "sha256sum-%s.txt" % arch), sums.encode())
    channels = {"stable": STABLE, "latest": LATEST}
    for v in VERSIONS:
        channels["v" + ".".join(v[1:].split(".")[:2])] = v
    write(os.path.join(out, "channels.json"), json.dumps(channels).encode())
    inst = open(os.path.join(src, "install.sh"), "rb").read()
    write(os.path.join(out, "install.sh"), inst, 0o755)
    write(os.path.join(airgap, "install.sh"), inst, 0o755)
    print(" ".join(VERSIONS))


if __name__ == "__main__":
    main()
