# Volumes through the docker CLI: create, ls, inspect, rm, prune, named and
# anonymous volumes of containers, copy-up of image content, in-use
# refusal, rm -v, events.
FIXTURES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)

need_busybox() {
    docker image inspect busybox >/dev/null 2>&1 && return 0
    [ -f "$BERTH_TMP/bb.tar" ] || "$FIXTURES/make-busybox-image.sh" "$BERTH_TMP/bb.tar" >/dev/null
    docker load -q -i "$BERTH_TMP/bb.tar" >/dev/null
}

test_create_ls_inspect_rm() {
    assert_eq "v1" "$(docker volume create v1)"
    assert_eq "v1" "$(docker volume create v1)" "create is idempotent"
    docker volume create --label team=a --label solo v2 >/dev/null
    assert_eq "v1 v2" "$(docker volume ls -q | sort | xargs)"
    assert_eq "v2" "$(docker volume ls -q --filter label=team=a)"
    assert_eq "v2" "$(docker volume ls -q --filter label=solo)"
    assert_eq "v1" "$(docker volume ls -q --filter name=1)"
    assert_eq "local" "$(docker volume inspect -f '{{.Driver}}' v1)"
    assert_eq "local" "$(docker volume inspect -f '{{.Scope}}' v1)"
    assert_eq "$BERTH_TMP/data/volumes/v1/_data" "$(docker volume inspect -f '{{.Mountpoint}}' v1)"
    [ -d "$BERTH_TMP/data/volumes/v1/_data" ] || fail "no data directory"
    assert_eq "a" "$(docker inspect -f '{{index .Labels "team"}}' v2)" "docker inspect finds it"
    assert_contains "$(docker volume inspect -f '{{.CreatedAt}}' v1)" "T"
    docker volume rm v1 v2 >/dev/null
    assert_eq "" "$(docker volume ls -q)"
    [ ! -e "$BERTH_TMP/data/volumes/v1" ] || fail "data left behind"
}

test_errors() {
    expect_fail docker volume inspect nosuch
    assert_contains "$OUT" "get nosuch: no such volume"
    expect_fail docker volume rm nosuch
    assert_contains "$OUT" "no such volume"
    docker volume rm -f nosuch >/dev/null
    expect_fail docker volume create -d nosuchdriver vx
    assert_contains "$OUT" 'error looking up volume plugin nosuchdriver: plugin "nosuchdriver"'
    expect_fail docker volume create 'bad/name'
    assert_contains "$OUT" 'includes invalid characters for a local volume name'
    expect_fail docker volume create -o bogus=1 vy
    assert_contains "$OUT" 'create vy: invalid option: "bogus"'
    api GET '/volumes?filters=%7B%22nope%22%3A%5B%22x%22%5D%7D'
    assert_eq 400 "$STATUS"
    assert_eq "" "$(docker volume ls -q)"
}

test_anonymous_create_has_hex_name() {
    local name
    name=$(docker volume create)
    [ "${#name}" -eq 64 ] || fail "anonymous name [$name]"
    docker volume rm "$name" >/dev/null
}

test_data_persists_between_containers() {
    need_busybox
    timeout 30 docker run --rm -v data:/data busybox sh -c 'echo kept >/data/f' >/dev/null
    assert_eq "kept" "$(timeout 30 docker run --rm -v data:/data:ro busybox cat /data/f)"
    expect_fail timeout 30 docker run --rm -v data:/data:ro busybox sh -c 'echo x >/data/g'
    assert_contains "$OUT" "Read-only file system"
    timeout 30 docker run --rm --mount type=volume,src=data,dst=/m busybox cat /m/f >"$BERTH_TMP/o"
    assert_eq "kept" "$(cat "$BERTH_TMP/o")" "--mount"
    docker volume rm data >/dev/null
}

test_in_use_refused() {
    need_busybox
    local id
    id=$(docker create -v busy:/data busybox true)
    expect_fail docker volume rm busy
    assert_contains "$OUT" "remove busy: volume is in use - [$id]"
    assert_eq "busy" "$(docker volume ls -q --filter dangling=false)"
    assert_eq "" "$(docker volume ls -q --filter dangling=true)"
    docker rm "$id" >/dev/null
    assert_eq "busy" "$(docker volume ls -q --filter dangling=true)"
    docker volume rm busy >/dev/null
}

test_copy_up_of_image_content() {
    need_busybox
    timeout 30 docker run --rm -v etcvol:/etc busybox cat /etc/passwd >"$BERTH_TMP/o"
    assert_contains "$(cat "$BERTH_TMP/o")" "root:"
    assert_contains "$(cat "$BERTH_TMP/data/volumes/etcvol/_data/passwd")" "root:" "on the host"
    docker volume rm etcvol >/dev/null
    timeout 30 docker run --rm -v nc:/etc:nocopy busybox ls /etc >"$BERTH_TMP/o"
    assert_eq "" "$(grep passwd "$BERTH_TMP/o" || true)" "nocopy"
    docker volume rm nc >/dev/null
}

# mount_field ID DESTINATION FIELD: one field of a container's mount.
mount_field() {
    docker inspect -f "{{range .Mounts}}{{if eq .Destination \"$2\"}}{{.$3}}{{end}}{{end}}" "$1"
}

test_inspect_mounts_and_rm_v() {
    need_busybox
    local id anon
    id=$(docker create -v named:/n -v /anon busybox true)
    assert_eq "volume local true" "$(mount_field "$id" /n Type) $(mount_field "$id" /n Driver)\
 $(mount_field "$id" /n RW)"
    assert_eq "volume" "$(mount_field "$id" /anon Type)"
    assert_eq "named" "$(mount_field "$id" /n Name)"
    anon=$(mount_field "$id" /anon Name)
    [ "${#anon}" -eq 64 ] || fail "anonymous volume name [$anon]"
    assert_eq "$BERTH_TMP/data/volumes/$anon/_data" "$(mount_field "$id" /anon Source)"
    docker rm -v "$id" >/dev/null
    assert_eq "named" "$(docker volume ls -q)" "rm -v keeps named volumes"
    docker volume rm named >/dev/null
}

test_run_rm_removes_anonymous() {
    need_busybox
    timeout 30 docker run --rm -v /scratch busybox true
    assert_eq "" "$(docker volume ls -q)"
}

test_prune() {
    need_busybox
    local id
    docker volume create keepme >/dev/null
    id=$(docker create -v /a busybox true)
    docker rm "$id" >/dev/null
    assert_eq 1 "$(docker volume ls -q | grep -vc keepme)" "anonymous volume left by rm without -v"
    docker volume prune -f >/dev/null
    assert_eq "keepme" "$(docker volume ls -q)" "prune keeps named volumes by default"
    timeout 30 docker run --rm -v keepme:/k busybox sh -c 'head -c 5000 /dev/zero >/k/z'
    assert_contains "$(docker volume prune -af)" "Total reclaimed space: 5"
    assert_eq "" "$(docker volume ls -q)"
}

test_events() {
    need_busybox
    local since
    since=$(date +%s)
    timeout 30 docker run --rm -v ev:/e busybox true
    docker volume rm ev >/dev/null
    timeout 10 docker events --since "$since" --until "$(($(date +%s) + 1))" \
        --filter type=volume --format '{{.Actor.ID}} {{.Action}}' >"$BERTH_TMP/ev"
    assert_eq "create mount unmount destroy" "$(sed -n 's/^ev //p' "$BERTH_TMP/ev" | xargs)"
}

test_local_driver_tmpfs_options() {
    need_busybox
    docker volume create -o type=tmpfs -o device=tmpfs -o o=size=1m tv >/dev/null
    assert_eq "tmpfs" "$(docker volume inspect -f '{{.Options.type}}' tv)"
    assert_contains "$(timeout 30 docker run --rm -v tv:/t busybox df /t)" "1024"
    docker volume rm tv >/dev/null
}
