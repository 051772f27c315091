#!/usr/bin/env python3
"""Write a docker-save archive of LAYERS layers holding MB megabytes of
incompressible data in all, on top of the busybox fixture's rootfs layer.

usage: make-archive.py BUSYBOX_TAR OUT_TAR [MB] [LAYERS]

The data is pseudo-random but seeded, so the same arguments give the same
archive and the same image ID."""
import hashlib
import io
import json
import random
import sys
import tarfile


def layer_tar(index, size):
    rng = random.Random(index)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        chunk = 1 << 20
        for n in range(max(1, size // chunk)):
            data = rng.randbytes(chunk)
            info = tarfile.TarInfo(f"data/layer{index}/blob{n:04d}")
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def main():
    src, out = sys.argv[1], sys.argv[2]
    total_mb = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    nlayers = int(sys.argv[4]) if len(sys.argv) > 4 else 4

    with tarfile.open(src) as base:
        manifest = json.load(base.extractfile("manifest.json"))[0]
        config = json.load(base.extractfile(manifest["Config"]))
        base_layers = [base.extractfile(p).read() for p in manifest["Layers"]]

    layers = base_layers + [layer_tar(i, (total_mb << 20) // nlayers) for i in range(nlayers)]
    diff_ids = ["sha256:" + hashlib.sha256(b).hexdigest() for b in layers]
    config["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
    config["history"] = [{"created": "1970-01-01T00:00:00Z", "created_by": f"layer {i}"}
                         for i in range(len(layers))]
    config_bytes = json.dumps(config, separators=(",", ":")).encode()
    config_hex = hashlib.sha256(config_bytes).hexdigest()

    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))

        layer_paths = []
        for d, b in zip(diff_ids, layers):
            path = "blobs/sha256/" + d.split(":")[1]
            layer_paths.append(path)
            add(path, b)
        add("blobs/sha256/" + config_hex, config_bytes)
        add("manifest.json", json.dumps([{"Config": "blobs/sha256/" + config_hex,
                                          "RepoTags": ["berth-bench/load:latest"],
                                          "Layers": layer_paths}]).encode())
    print(f"sha256:{config_hex}")


if __name__ == "__main__":
    main()
