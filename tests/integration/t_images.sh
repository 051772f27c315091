# Images: load, save, import, list, inspect, history, tag, rmi, prune, and
# hostile archives.  Uses tests/fixtures/make-busybox-image.sh and
# tests/fixtures/dockerd-import.tar.gz: `docker save` by dockerd 20.10 of
# an image it imported from a one-file tar (see test_dockerd_archive).

FIXTURES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)

busybox_tar() {
    [ -f "$BERTH_TMP/busybox.tar" ] ||
        "$FIXTURES/make-busybox-image.sh" "$BERTH_TMP/busybox.tar" >"$BERTH_TMP/busybox.id"
    echo "$BERTH_TMP/busybox.tar"
}

test_load_busybox() {
    local tar want
    tar=$(busybox_tar)
    want=$(cat "$BERTH_TMP/busybox.id")
    out=$(docker load -i "$tar")
    assert_eq "Loaded image: busybox:latest" "$out"
    assert_eq "$want" "$(docker image inspect -f '{{.Id}}' busybox)"
    assert_eq "[sh]" "$(docker image inspect -f '{{.Config.Cmd}}' busybox:latest)"
    assert_contains "$(docker images --format '{{.Repository}}:{{.Tag}} {{.ID}}')" \
        "busybox:latest ${want:7:12}"
    # Loading again keeps one image and one layer.
    docker load -q -i "$tar" >/dev/null
    assert_eq 1 "$(docker images -q | wc -l)"
    assert_eq 1 "$(ls "$BERTH_TMP/data/image/overlay2" | wc -l)"
    docker rmi busybox >/dev/null
}

test_inspect_shape() {
    docker load -q -i "$(busybox_tar)" >/dev/null
    api GET /v1.45/images/busybox/json
    assert_eq 200 "$STATUS"
    assert_eq '["busybox:latest"]' "$(echo "$BODY" | jq -c .RepoTags)"
    assert_eq layers "$(echo "$BODY" | jq -r .RootFS.Type)"
    assert_eq 1 "$(echo "$BODY" | jq '.RootFS.Layers | length')"
    assert_eq overlay2 "$(echo "$BODY" | jq -r .GraphDriver.Name)"
    dir=$(echo "$BODY" | jq -r .GraphDriver.Data.UpperDir)
    [ -x "$dir/bin/busybox" ] || fail "layer dir $dir has no bin/busybox"
    assert_eq busybox "$(readlink "$dir/bin/sh")"
    api GET /v1.45/images/nosuch/json
    assert_eq 404 "$STATUS"
    assert_eq "No such image: nosuch:latest" "$(echo "$BODY" | jq -r .message)"
    docker rmi busybox >/dev/null
}

test_tag_and_rmi() {
    docker load -q -i "$(busybox_tar)" >/dev/null
    docker tag busybox localhost:5000/my/bb:1
    assert_contains "$(docker images --format '{{.Repository}}:{{.Tag}}')" "localhost:5000/my/bb:1"
    out=$(docker rmi localhost:5000/my/bb:1)
    assert_eq "Untagged: localhost:5000/my/bb:1" "$out"
    docker image inspect busybox >/dev/null
    id=$(docker image inspect -f '{{.Id}}' busybox)
    out=$(docker rmi busybox)
    assert_contains "$out" "Untagged: busybox:latest"
    assert_contains "$out" "Deleted: $id"
    expect_fail docker image inspect busybox
    assert_contains "$OUT" "No such image: busybox"
    assert_eq 0 "$(ls "$BERTH_TMP/data/image/overlay2" | wc -l)"
}

test_save_load_roundtrip() {
    docker load -q -i "$(busybox_tar)" >/dev/null
    id=$(docker image inspect -f '{{.Id}}' busybox)
    diff=$(docker image inspect -f '{{index .RootFS.Layers 0}}' busybox)
    docker save -o "$BERTH_TMP/saved.tar" busybox
    tar -tf "$BERTH_TMP/saved.tar" | grep -qx manifest.json || fail "no manifest.json"
    tar -tf "$BERTH_TMP/saved.tar" | grep -qx index.json || fail "no index.json"
    docker rmi busybox >/dev/null
    out=$(docker load -i "$BERTH_TMP/saved.tar")
    assert_eq "Loaded image: busybox:latest" "$out"
    assert_eq "$id" "$(docker image inspect -f '{{.Id}}' busybox)"
    assert_eq "$diff" "$(docker image inspect -f '{{index .RootFS.Layers 0}}' busybox)"
    rm -f "$BERTH_TMP/saved.tar"
    docker rmi busybox >/dev/null
}

# A fresh data root gives the same IDs for a saved archive.
test_save_fresh_root_same_ids() {
    docker load -q -i "$(busybox_tar)" >/dev/null
    id=$(docker image inspect -f '{{.Id}}' busybox)
    docker save -o "$BERTH_TMP/saved.tar" busybox:latest
    docker rmi busybox >/dev/null
    berth_stop
    mv "$BERTH_TMP/data" "$BERTH_TMP/data.old"
    berth_start
    docker load -q -i "$BERTH_TMP/saved.tar" >/dev/null
    assert_eq "$id" "$(docker image inspect -f '{{.Id}}' busybox)"
    docker rmi busybox >/dev/null
    rm -rf "$BERTH_TMP/data.old" "$BERTH_TMP/saved.tar"
}

# Made once with Debian's dockerd 20.10: import of a tar holding only
# ./etc/motd, tagged dockerd-made:latest, then docker save | gzip.
test_dockerd_archive() {
    out=$(docker load -i "$FIXTURES/dockerd-import.tar.gz")
    assert_eq "Loaded image: dockerd-made:latest" "$out"
    assert_eq sha256:781f2a4ec497b19b126cee1d86cfa266eb1e9345b0de3c00e9dea1528fa4ade3 \
        "$(docker image inspect -f '{{.Id}}' dockerd-made)"
    assert_eq "[/bin/sh]" "$(docker image inspect -f '{{.Config.Cmd}}' dockerd-made)"
    # The same tar imported here gets the diff ID dockerd gave it.
    mkdir -p "$BERTH_TMP/tiny/etc"
    echo "made by dockerd" >"$BERTH_TMP/tiny/etc/motd"
    chmod 755 "$BERTH_TMP/tiny" "$BERTH_TMP/tiny/etc"
    chmod 644 "$BERTH_TMP/tiny/etc/motd"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$BERTH_TMP/tiny" \
        -cf "$BERTH_TMP/tiny.tar" .
    id=$(docker import "$BERTH_TMP/tiny.tar")
    assert_eq sha256:c9880bbf4694e5d8476ab587928bb7f6594cc572c73b1cf943dd6184cc9d8358 \
        "$(docker image inspect -f '{{index .RootFS.Layers 0}}' "$id")"
    # Both images share the one layer.
    assert_eq 1 "$(ls "$BERTH_TMP/data/image/overlay2" | wc -l)"
    docker rmi dockerd-made "$id" >/dev/null
    assert_eq 0 "$(ls "$BERTH_TMP/data/image/overlay2" | wc -l)"
    rm -rf "$BERTH_TMP/tiny" "$BERTH_TMP/tiny.tar"
}

test_import_changes() {
    mkdir -p "$BERTH_TMP/imp/etc"
    echo hello >"$BERTH_TMP/imp/etc/greeting"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$BERTH_TMP/imp" \
        -cf "$BERTH_TMP/imp.tar" .
    want="sha256:$(sha256sum "$BERTH_TMP/imp.tar" | cut -d' ' -f1)"
    gzip -k "$BERTH_TMP/imp.tar"
    id=$(docker import -c 'CMD ["/bin/sh"]' -c 'ENV A=b' -c 'WORKDIR /w' -c 'USER nobody' \
        -c 'LABEL x=y' -c 'EXPOSE 80' "$BERTH_TMP/imp.tar.gz" imp:1)
    assert_contains "$id" "sha256:"
    assert_eq "$want" "$(docker image inspect -f '{{index .RootFS.Layers 0}}' imp:1)"
    assert_eq "[/bin/sh]" "$(docker image inspect -f '{{.Config.Cmd}}' imp:1)"
    assert_eq "[A=b]" "$(docker image inspect -f '{{.Config.Env}}' imp:1)"
    fmt='{{.Config.WorkingDir}} {{.Config.User}} {{.Config.Labels.x}}'
    assert_eq "/w nobody y" "$(docker image inspect -f "$fmt" imp:1)"
    assert_eq "Imported from -" "$(docker image inspect -f '{{.Comment}}' imp:1)"
    expect_fail docker import -c 'RUN true' "$BERTH_TMP/imp.tar" imp:2
    assert_contains "$OUT" "RUN is not a valid change command"
    assert_contains "$(docker history --format '{{.Comment}}' imp:1)" "Imported from -"
    docker rmi imp:1 >/dev/null
    rm -rf "$BERTH_TMP/imp" "$BERTH_TMP/imp.tar" "$BERTH_TMP/imp.tar.gz"
}

test_images_filters_and_prune() {
    docker load -q -i "$(busybox_tar)" >/dev/null
    tar -C "$BERTH_TMP" -cf "$BERTH_TMP/empty.tar" --files-from /dev/null
    dangling=$(docker import "$BERTH_TMP/empty.tar")
    assert_eq "busybox" "$(docker images --filter reference=busy* --format '{{.Repository}}')"
    assert_eq "${dangling:7:12}" "$(docker images -q --filter dangling=true)"
    out=$(docker image prune -f)
    assert_contains "$out" "deleted: $dangling"
    assert_eq 1 "$(docker images -q | wc -l)"
    rm -f "$BERTH_TMP/empty.tar"
    docker rmi busybox >/dev/null
}

# A hostile layer must fail, leave no layer, image or file outside.
hostile_load() {
    local name=$1
    local dir="$BERTH_TMP/hostile"
    python3 - "$dir" "$name" <<'PY'
import hashlib, io, json, sys, tarfile, os, gzip
out, kind = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
lb = io.BytesIO()
with tarfile.open(fileobj=lb, mode="w", format=tarfile.PAX_FORMAT) as t:
    def add(name, data=b"x", **kw):
        ti = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(ti, k, v)
        ti.size = len(data) if ti.type == tarfile.REGTYPE else 0
        t.addfile(ti, io.BytesIO(data) if ti.type == tarfile.REGTYPE else None)
    add("ok.txt")
    if kind == "traversal":
        add("../../../../../../tmp/berth-escape-traversal")
    elif kind == "symlink":
        add("evil", type=tarfile.SYMTYPE, linkname="/tmp")
        add("evil/berth-escape-symlink")
    elif kind == "hardlink":
        add("hl", type=tarfile.LNKTYPE, linkname="../../../../etc/passwd")
layer = lb.getvalue()
if kind == "truncated":
    layer = gzip.compress(layer)[:-40]
diff = "sha256:" + hashlib.sha256(layer).hexdigest()
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                  "rootfs": {"type": "layers", "diff_ids": [diff]}}).encode()
cid = hashlib.sha256(cfg).hexdigest()
with tarfile.open(out + "/image.tar", "w") as t:
    for name, data in ((cid + ".json", cfg), ("layer/layer.tar", layer),
                       ("manifest.json", json.dumps([{"Config": cid + ".json",
                        "RepoTags": ["hostile:" + kind],
                       "Layers": ["layer/layer.tar"]}]).encode())):
        ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
PY
    expect_fail docker load -i "$dir/image.tar"
    echo "$OUT"
    assert_eq 0 "$(docker images -q | wc -l)" "images after hostile load"
    assert_eq 0 "$(ls "$BERTH_TMP/data/image/overlay2" | wc -l)" "layers after hostile load"
    assert_eq 0 "$(ls "$BERTH_TMP/data/tmp" | wc -l)" "staging after hostile load"
    rm -rf "$dir"
}

test_hostile_traversal() {
    hostile_load traversal
    assert_contains "$OUT" "refusing archive entry ../../"
    [ ! -e /tmp/berth-escape-traversal ] || fail "file written outside the layer"
}

test_hostile_symlink() {
    hostile_load symlink
    assert_contains "$OUT" "refusing archive entry evil/berth-escape-symlink"
    [ ! -e /tmp/berth-escape-symlink ] || fail "file written through a symlink"
}

test_hostile_hardlink() {
    hostile_load hardlink
    assert_contains "$OUT" "refusing archive entry hl"
}

test_hostile_truncated_gzip() {
    hostile_load truncated
    assert_contains "$OUT" "Error response from daemon"
}

# The conflicts of rmi with a container that uses the image: a row of the
# containers table stands in for a container (the check reads only it).
test_rmi_conflict_with_container() {
    local db="$BERTH_TMP/data/berth.db" cid
    docker load -q -i "$(busybox_tar)" >/dev/null
    id=$(docker image inspect -f '{{.Id}}' busybox)
    cid=$(printf 'c%.0s' $(seq 64))
    sqlite3 "$db" "INSERT INTO containers (id, name, image_id, created, doc) VALUES
        ('$cid', '/fake', '$id', 0, '{\"State\":{\"Running\":false}}')"
    expect_fail docker rmi busybox
    assert_contains "$OUT" "conflict: unable to remove repository reference \"busybox\" \
(must force) - container ${cid:0:12} is using its referenced image ${id:7:12}"
    expect_fail docker rmi "${id:7:12}"
    assert_contains "$OUT" "conflict: unable to delete ${id:7:12} (must be forced) - \
image is being used by stopped container ${cid:0:12}"
    sqlite3 "$db" "UPDATE containers SET doc = '{\"State\":{\"Running\":true}}'"
    expect_fail docker rmi -f "${id:7:12}"
    assert_contains "$OUT" \
        "(cannot be forced) - image is being used by running container ${cid:0:12}"
    sqlite3 "$db" "DELETE FROM containers WHERE id = '$cid'"
    docker rmi busybox >/dev/null
}

# A pure OCI image layout (index.json, no manifest.json) loads by its
# io.containerd.image.name annotation.
test_load_oci_layout() {
    local d="$BERTH_TMP/oci"
    mkdir -p "$d"
    tar -C "$d" -xf "$(busybox_tar)"
    rm "$d/manifest.json" "$d/repositories"
    sed -i 's#docker.io/library/busybox:latest#docker.io/library/oci-bb:1#' "$d/index.json"
    tar -C "$d" -czf "$BERTH_TMP/oci.tar.gz" .
    out=$(docker load -i "$BERTH_TMP/oci.tar.gz")
    assert_eq "Loaded image: oci-bb:1" "$out"
    assert_eq "$(cat "$BERTH_TMP/busybox.id")" "$(docker image inspect -f '{{.Id}}' oci-bb:1)"
    docker rmi oci-bb:1 >/dev/null
    rm -rf "$d" "$BERTH_TMP/oci.tar.gz"
}
