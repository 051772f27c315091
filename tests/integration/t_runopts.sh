# docker run options on the create/start path, as dockerd treats them:
# -P, --add-host, bind and tmpfs mounts and their order, failed starts,
# --device, --group-add and logging drivers.
FIXTURES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)

need_busybox() {
    docker image inspect busybox >/dev/null 2>&1 && return 0
    [ -f "$BERTH_TMP/busybox.tar" ] ||
        "$FIXTURES/make-busybox-image.sh" "$BERTH_TMP/busybox.tar" >/dev/null
    docker load -i "$BERTH_TMP/busybox.tar" >/dev/null
}

test_publish_all_exposed_ports() {
    need_busybox
    local out port
    docker run -d --name pall --expose 80 -P busybox sh -c \
        'echo hi >/tmp/index.html; httpd -f -p 80 -h /tmp' >/dev/null
    out=$(docker port pall)
    assert_contains "$out" "80/tcp -> 0.0.0.0:"
    port=$(echo "$out" | sed -n 's|^80/tcp -> 0.0.0.0:\([0-9]*\)$|\1|p')
    [ -n "$port" ] || fail "no host port in: $out"
    wait_until 50 in_netns curl -sf "http://127.0.0.1:$port/index.html"
    assert_eq "hi" "$(in_netns curl -sf "http://127.0.0.1:$port/index.html")"
    docker rm -f pall >/dev/null
}

test_add_host_in_etc_hosts() {
    need_busybox
    local out gw
    out=$(docker run --rm --add-host foo:1.2.3.4 --add-host gw:host-gateway busybox cat /etc/hosts)
    assert_contains "$out" "1.2.3.4	foo"
    gw=$(docker network inspect -f '{{(index .IPAM.Config 0).Gateway}}' bridge)
    [ -n "$gw" ] || fail "no gateway on the default bridge"
    assert_contains "$out" "$gw	gw"
}

test_bind_and_tmpfs_mounts() {
    need_busybox
    local src="$BERTH_TMP/bindsrc" out
    rm -rf "$src"
    # -v makes a missing host directory, as dockerd does.
    run_rc docker run --rm -v "$src:/h" busybox ls -d /h
    assert_eq 0 "$RC" "-v missing source: $OUT"
    [ -d "$src" ] || fail "-v did not create $src"
    # --mount refuses one.
    run_rc docker run --rm --mount "type=bind,src=$BERTH_TMP/nonexist,dst=/x" busybox true
    assert_eq 125 "$RC"
    assert_contains "$OUT" "invalid mount config for type \"bind\": bind source path does \
not exist: $BERTH_TMP/nonexist"
    api POST /containers/create -H 'Content-Type: application/json' -d "{\"Image\": \"busybox\",
        \"HostConfig\": {\"Mounts\": [{\"Type\": \"bind\", \"Source\": \"/nonexist-x\",
        \"Target\": \"/x\"}]}}"
    assert_eq 400 "$STATUS"
    echo hello >"$src/f"
    out=$(docker run --rm --mount "type=bind,src=$src,dst=/b,readonly" busybox \
        sh -c 'cat /b/f; touch /b/g 2>&1 || echo refused')
    assert_contains "$out" "hello"
    assert_contains "$out" "refused"
    out=$(docker run --rm --mount type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770 busybox \
        sh -c 'grep " /t " /proc/mounts; stat -c %a /t')
    assert_contains "$out" "tmpfs /t tmpfs"
    assert_contains "$out" "size=1024k"
    assert_contains "$out" "1770"
    assert_eq "tmpfs" "$(docker create --name tm --mount type=tmpfs,dst=/t busybox >/dev/null &&
        docker inspect -f '{{range .Mounts}}{{.Type}}{{end}}' tm)"
    docker rm tm >/dev/null
    rm -rf "$src"
}

test_mounts_ordered_by_depth() {
    need_busybox
    local a="$BERTH_TMP/orda" b="$BERTH_TMP/ordb" out
    mkdir -p "$a/sub" "$b"
    echo deep >"$b/mark"
    # Given deepest first: mounted parents first all the same.
    out=$(docker run --rm -v "$b:/data/sub" -v "$a:/data" busybox cat /data/sub/mark)
    assert_eq "deep" "$out"
    # A volume over /etc does not hide the files berth manages.
    out=$(docker run --rm --add-host foo:1.2.3.4 --hostname hn -v ordetc:/etc busybox \
        sh -c 'cat /etc/hosts /etc/hostname')
    assert_contains "$out" "1.2.3.4	foo"
    assert_contains "$out" "hn"
    docker volume rm ordetc >/dev/null
    rm -rf "$a" "$b"
}

test_failed_start_stays_created() {
    need_busybox
    local id out
    docker run -d --name holder -p 18181:80 busybox sleep 100 >/dev/null
    run_rc docker run -d --name loser -p 18181:80 busybox sleep 100
    assert_eq 125 "$RC"
    id=$(docker inspect -f '{{.Id}}' loser)
    assert_contains "$OUT" "driver failed programming external connectivity on endpoint loser \
("
    assert_contains "$OUT" "): Bind for 0.0.0.0:18181 failed: port is already allocated"
    assert_not_contains "$OUT" "OCI runtime"
    assert_eq "created" "$(docker inspect -f '{{.State.Status}}' loser)"
    assert_eq "128" "$(docker inspect -f '{{.State.ExitCode}}' loser)"
    assert_contains "$(docker inspect -f '{{.State.Error}}' loser)" "port is already allocated"
    assert_eq "0001-01-01T00:00:00Z" "$(docker inspect -f '{{.State.FinishedAt}}' loser)"
    assert_eq "Created" "$(docker ps -a --filter name=loser --format '{{.Status}}')"
    [ -n "$id" ] || fail "no id"
    docker rm -f holder loser >/dev/null
}

test_device_and_group_add() {
    need_busybox
    local out
    out=$(docker run --rm --device /dev/null:/dev/mynull:rwm busybox \
        sh -c 'ls -l /dev/mynull; echo x >/dev/mynull && echo written')
    assert_contains "$out" "1,   3"
    assert_contains "$out" "written"
    out=$(docker run --rm --group-add 123 busybox id)
    assert_contains "$out" "uid=0(root) gid=0(root) groups="
    assert_contains "$out" "123"
    run_rc docker run --rm --device /dev/nonexist-dev busybox true
    assert_eq 125 "$RC"
    assert_contains "$OUT" "error gathering device information while adding custom device \
\"/dev/nonexist-dev\""
}

test_unknown_log_driver_refused() {
    need_busybox
    run_rc docker create --name badlog --log-driver syslog busybox true
    assert_eq 125 "$RC"
    assert_contains "$OUT" "failed to create logger: logger: no log driver named 'syslog'"
    expect_fail docker inspect badlog
}
