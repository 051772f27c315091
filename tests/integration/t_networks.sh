# Networks through the real docker CLI, with real bridges and nftables
# inside the daemon's own network namespace ($BERTH_NS).

bridge_of() {
    echo "br-$(docker network inspect -f '{{.Id}}' "$1" | cut -c1-12)"
}

test_predefined_networks() {
    local out
    out=$(docker network ls --format '{{.Name}} {{.Driver}}' | sort | tr '\n' ',')
    assert_eq "bridge bridge,host host,none null," "$out" "network ls"
    local fmt='{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}'
    assert_eq "172.17.0.0/16 172.17.0.1" "$(docker network inspect -f "$fmt" bridge)"
    assert_eq "berth0" \
        "$(docker network inspect -f '{{index .Options "com.docker.network.bridge.name"}}' bridge)"
    assert_contains "$(in_netns ip -br addr show berth0)" "172.17.0.1/16"
    assert_contains "$(in_netns ip -d link show berth0)" \
        "alias berth:$(docker network inspect -f '{{.Id}}' bridge)"
    expect_fail docker network rm bridge
    assert_contains "$OUT" "bridge is a pre-defined network and cannot be removed"
    expect_fail docker network rm none
    assert_contains "$OUT" "none is a pre-defined network and cannot be removed"
    expect_fail docker network create host
    assert_contains "$OUT" "operation is not permitted on predefined host network"
}

test_create_inspect_ls_rm_user_network() {
    local id out
    id=$(docker network create --subnet 10.10.0.0/24 --gateway 10.10.0.254 \
        --ip-range 10.10.0.128/25 --label team=net -o com.docker.network.bridge.name=brtest n1)
    assert_eq 64 "${#id}" "ID length"
    out=$(docker network inspect -f \
        '{{.Name}} {{.Driver}} {{.Scope}} {{.Internal}} {{index .Labels "team"}}' n1)
    assert_eq "n1 bridge local false net" "$out"
    out=$(docker network inspect -f \
        '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}} {{.IPRange}}{{end}}' "${id:0:12}")
    assert_eq "10.10.0.0/24 10.10.0.254 10.10.0.128/25" "$out"
    assert_contains "$(docker network ls --filter label=team=net --format '{{.Name}}')" "n1"
    assert_contains "$(in_netns ip -br addr show brtest)" "10.10.0.254/24"
    assert_contains "$(in_netns ip -d link show brtest)" "alias berth:$id"

    expect_fail docker network create n1
    assert_contains "$OUT" "network with name n1 already exists"
    expect_fail docker network create --subnet 10.10.0.0/16 overlapping
    assert_contains "$OUT" "Pool overlaps with other one on this address space"

    assert_eq "n1" "$(docker network rm n1)"
    expect_fail docker network inspect n1
    assert_contains "$OUT" "network n1 not found"
    expect_fail in_netns ip link show brtest
}

test_internal_network_is_isolated_in_nftables() {
    local br
    docker network create --internal --subnet 10.11.0.0/24 inner >/dev/null
    br=$(bridge_of inner)
    assert_eq "true" "$(docker network inspect -f '{{.Internal}}' inner)"
    out=$(in_netns nft list table ip berth)
    assert_contains "$out" "iifname \"$br\" oifname != \"$br\" drop"
    assert_not_contains "$out" "ip saddr 10.11.0.0/24 oifname != \"$br\" masquerade"
    docker network rm inner >/dev/null
}

test_user_network_gets_embedded_dns_listener() {
    docker network create --subnet 10.12.0.0/24 dnsnet >/dev/null
    wait_until 30 sh -c "nsenter --net=/run/netns/$BERTH_NS ss -lun | grep -q '10.12.0.1:53'"
    # No container answers to this name: the query is relayed upstream and,
    # with no upstream reachable from the namespace, fails as SERVFAIL.
    out=$(in_netns python3 -c '
import socket
q = bytes.fromhex("12340100000100000000000007756e6b6e6f776e0000010001")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(q, ("10.12.0.1", 53))
r = s.recv(512)
print(r[:2].hex(), r[3] & 0x0f)
')
    assert_contains "$out" "1234 "
    docker network rm dnsnet >/dev/null
    wait_until 30 sh -c "! nsenter --net=/run/netns/$BERTH_NS ss -lun | grep -q '10.12.0.1:53'"
}

test_prune_removes_unused_user_networks() {
    docker network create --label prune=yes p1 >/dev/null
    docker network create p2 >/dev/null
    out=$(docker network prune -f --filter label=prune=yes)
    assert_contains "$out" "p1"
    assert_not_contains "$out" "p2"
    out=$(docker network prune -f)
    assert_contains "$out" "p2"
    assert_eq "bridge,host,none," "$(docker network ls --format '{{.Name}}' | sort | tr '\n' ',')"
}

test_sigkill_then_deleted_bridge_is_recreated_with_same_subnet() {
    local id br
    id=$(docker network create --subnet 10.20.0.0/16 survivor)
    br=$(bridge_of survivor)
    berth_stop -9
    in_netns ip link del "$br"
    berth_start
    assert_eq "$id" "$(docker network inspect -f '{{.Id}}' survivor)" "network ID"
    assert_eq "10.20.0.0/16" \
        "$(docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' survivor)"
    assert_contains "$(in_netns ip -br addr show "$br")" "10.20.0.1/16"
    assert_contains "$(in_netns ip -d link show "$br")" "alias berth:$id"
    docker network rm survivor >/dev/null
}

test_stray_labelled_bridge_removed_at_startup() {
    berth_stop
    in_netns ip link add brstray type bridge
    in_netns ip link set dev brstray alias "berth:0123456789abcdef"
    in_netns ip link add brplain type bridge
    berth_start
    expect_fail in_netns ip link show brstray
    in_netns ip link show brplain >/dev/null || fail "an unlabelled bridge was touched"
    in_netns ip link del brplain
}

test_nftables_table_lives_with_the_daemon() {
    local out
    out=$(in_netns nft list table ip berth)
    assert_contains "$out" "ip saddr 172.17.0.0/16 oifname != \"berth0\" masquerade"
    berth_stop
    expect_fail in_netns nft list table ip berth
    berth_start
    in_netns nft list table ip berth >/dev/null || fail "table not rebuilt at start-up"
}

test_iptables_false_leaves_the_firewall_alone() {
    berth_stop
    berth_start --iptables=false
    expect_fail in_netns nft list table ip berth
    berth_stop
    berth_start
    in_netns nft list table ip berth >/dev/null
}
