# docker network connect / disconnect of running and stopped containers,
# through the real CLI, with real veths in the daemon's network namespace.
FIXTURES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)

need_busybox() {
    docker image inspect busybox >/dev/null 2>&1 && return 0
    [ -f "$BERTH_TMP/bb.tar" ] || "$FIXTURES/make-busybox-image.sh" "$BERTH_TMP/bb.tar" >/dev/null
    docker load -q -i "$BERTH_TMP/bb.tar" >/dev/null
}

# ip_on CONTAINER NETWORK: the container's address on that network.
ip_on() {
    docker inspect -f "{{with index .NetworkSettings.Networks \"$2\"}}{{.IPAddress}}{{end}}" "$1"
}

nets_of() {
    docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "$1"
}

# ping_from NETWORK TARGET: run a throw-away container on NETWORK that pings
# TARGET once; its exit code is the ping's.
ping_from() {
    timeout 30 docker run --rm --network "$1" busybox ping -c1 -W1 "$2"
}

test_connect_running_container_hot_plugs_and_resolves() {
    need_busybox
    docker network create --subnet 10.31.0.0/24 net2 >/dev/null
    docker run -d --name c1 busybox sleep 300 >/dev/null
    local bridge_ip
    bridge_ip=$(ip_on c1 bridge)
    assert_contains "$bridge_ip" "172.17." "bridge address before connect"

    docker network connect net2 c1
    assert_eq "bridge net2 " "$(nets_of c1)" "networks after connect"
    assert_contains "$(ip_on c1 net2)" "10.31.0." "net2 address"
    assert_eq "$bridge_ip" "$(ip_on c1 bridge)" "bridge address kept"
    assert_eq "$(docker network inspect -f '{{.Id}}' net2)" \
        "$(docker inspect -f '{{(index .NetworkSettings.Networks "net2").NetworkID}}' c1)"
    assert_contains "$(docker network inspect -f '{{range .Containers}}{{.Name}}{{end}}' net2)" \
        "c1"
    # The new interface is really in the container's namespace.
    local pid
    pid=$(docker inspect -f '{{.State.Pid}}' c1)
    assert_contains "$(nsenter --net=/proc/$pid/ns/net ip -br addr show eth1)" \
        "$(ip_on c1 net2)/24"
    # One default gateway, the first network's, as dockerd keeps it.
    assert_eq "default via 172.17.0.1 dev eth0" \
        "$(nsenter --net=/proc/$pid/ns/net ip route show default | sed 's/ *$//')" "routes"

    ping_from net2 c1 >/dev/null || fail "c1 not reachable by name on net2"

    docker network disconnect net2 c1
    assert_eq "bridge " "$(nets_of c1)" "networks after disconnect"
    expect_fail nsenter --net=/proc/"$pid"/ns/net ip link show eth1
    expect_fail ping_from net2 c1
    assert_contains "$OUT" "bad address 'c1'"

    docker rm -f c1 >/dev/null
    docker network rm net2 >/dev/null
}

test_connect_survives_daemon_restart_record() {
    need_busybox
    docker network create --subnet 10.32.0.0/24 keepnet >/dev/null
    docker run -d --name k1 busybox sleep 300 >/dev/null
    docker network connect keepnet k1
    local ip
    ip=$(ip_on k1 keepnet)
    berth_stop
    berth_start
    assert_eq "$ip" "$(ip_on k1 keepnet)" "address after daemon restart"
    docker rm -f k1 >/dev/null
    docker network rm keepnet >/dev/null
}

test_connect_stopped_container_attaches_at_start() {
    need_busybox
    docker network create --subnet 10.33.0.0/24 later >/dev/null
    docker create --name s1 busybox sleep 300 >/dev/null
    docker network connect --alias sone later s1
    assert_eq "bridge later " "$(nets_of s1)" "record before start"
    assert_eq "" "$(ip_on s1 later)" "no address before start"

    docker start s1 >/dev/null
    assert_contains "$(ip_on s1 later)" "10.33.0." "address after start"
    assert_contains "$(ip_on s1 bridge)" "172.17." "bridge still attached"
    ping_from later sone >/dev/null || fail "alias not resolvable on the connected network"

    docker stop -t 1 s1 >/dev/null
    docker network disconnect later s1
    assert_eq "bridge " "$(nets_of s1)" "record after disconnect"
    docker start s1 >/dev/null
    assert_eq "bridge " "$(nets_of s1)" "networks after the next start"
    assert_eq "" "$(docker network inspect -f '{{range .Containers}}{{.Name}}{{end}}' later)"

    docker rm -f s1 >/dev/null
    docker network rm later >/dev/null
}

test_disconnect_primary_bridge_of_stopped_container() {
    need_busybox
    docker network create --subnet 10.34.0.0/24 only >/dev/null
    docker create --name p1 busybox sleep 300 >/dev/null
    docker network disconnect bridge p1
    docker network connect only p1
    docker start p1 >/dev/null
    assert_eq "only " "$(nets_of p1)" "networks after start"
    assert_eq "" "$(docker inspect -f '{{.NetworkSettings.IPAddress}}' p1)" "legacy address"
    docker rm -f p1 >/dev/null
    docker network rm only >/dev/null
}

test_connect_disconnect_events() {
    need_busybox
    docker network create --subnet 10.35.0.0/24 evnet >/dev/null
    local nid cid since out
    nid=$(docker network inspect -f '{{.Id}}' evnet)
    cid=$(docker run -d --name e1 busybox sleep 300)
    since=$(date +%s)
    docker network connect evnet e1
    docker network disconnect evnet e1
    out=$(docker events --since "$since" --until "$(($(date +%s) + 1))" \
        --filter type=network --filter network=evnet \
        --format '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.container}} \
{{.Actor.Attributes.name}} {{.Actor.Attributes.type}}')
    assert_contains "$out" "connect $nid $cid evnet bridge"
    assert_contains "$out" "disconnect $nid $cid evnet bridge"
    docker rm -f e1 >/dev/null
    docker network rm evnet >/dev/null
}

test_connect_disconnect_errors() {
    need_busybox
    docker network create --subnet 10.36.0.0/24 errnet >/dev/null
    local cid
    cid=$(docker run -d --name x1 busybox sleep 300)

    expect_fail docker network connect errnet nosuch
    assert_contains "$OUT" "No such container: nosuch"
    expect_fail docker network connect nosuchnet x1
    assert_contains "$OUT" "network nosuchnet not found"
    expect_fail docker network disconnect nosuchnet x1
    assert_contains "$OUT" "network nosuchnet not found"

    docker network connect errnet x1
    expect_fail docker network connect errnet x1
    assert_contains "$OUT" "endpoint with name x1 already exists in network errnet"
    api POST /networks/errnet/connect -H 'Content-Type: application/json' \
        -d '{"Container":"x1"}'
    assert_eq 403 "$STATUS" "status of a second connect"

    docker network disconnect errnet x1
    expect_fail docker network disconnect errnet x1
    assert_contains "$OUT" "container $cid is not connected to network errnet"

    expect_fail docker network connect host x1
    assert_contains "$OUT" \
        "container cannot be disconnected from host network or connected to host network"
    expect_fail docker network connect none x1
    assert_contains "$OUT" "container cannot be connected to multiple networks with one of" \
        "none refused"

    docker run -d --name h1 --network host busybox sleep 300 >/dev/null
    expect_fail docker network disconnect host h1
    assert_contains "$OUT" \
        "container cannot be disconnected from host network or connected to host network"
    api POST /networks/host/disconnect -H 'Content-Type: application/json' \
        -d '{"Container":"h1"}'
    assert_eq 400 "$STATUS" "status of a host disconnect"
    expect_fail docker network connect errnet h1
    assert_contains "$OUT" "container sharing network namespace with another container or host"

    docker rm -f x1 h1 >/dev/null
    docker network rm errnet >/dev/null
}

test_rm_network_with_running_container_is_refused() {
    need_busybox
    docker network create --subnet 10.37.0.0/24 busy >/dev/null
    docker run -d --name r1 --network busy busybox sleep 300 >/dev/null
    docker run -d --name r2 busybox sleep 300 >/dev/null
    docker network connect busy r2
    expect_fail docker network rm busy
    assert_contains "$OUT" "error while removing network: network busy has active endpoints ("
    assert_contains "$OUT" "r1"
    assert_contains "$OUT" "r2"
    api DELETE /networks/busy
    assert_eq 409 "$STATUS" "status of rm"
    docker network inspect busy >/dev/null

    docker rm -f r1 >/dev/null
    docker network disconnect busy r2
    assert_eq "busy" "$(docker network rm busy)"
    docker rm -f r2 >/dev/null
}
