#!/bin/sh
# Issue 14's stretch: two ranks across a shaped link before a second machine exists. Rank 0 in
# this network namespace, rank 1 in namespace nrt1, joined by a veth pair (10.99.0.1 <-> 10.99.0.2)
# shaped with tc tbf to 1 Gbit/s each way; Open MPI reaches the namespace through an rsh agent that
# runs orted under `ip netns exec`, over TCP only (btl tcp,self). Prints: one TCP stream's rate (the
# link as TCP sees it), two streams at once in opposite directions (what an all-reduce needs: a 2-rank
# all-reduce of S bytes must receive S bytes on each rank, so at best it moves S each way at once), then the all-reduce of 4 MB (and 1, 16, 64 MB) per call for a plain C
# MPI_Allreduce loop and for neurite's ProcessGroup.allReduce (its 2-rank exchange, and MPI_Allreduce), on
# one and two TCP connections per peer. Needs root (CAP_NET_ADMIN); removes
# the namespace and the link at the end.   sh bench/distributed/netns.sh   (after npm run build)
set -eu
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
cleanup() { ip link del nrtv0 2>/dev/null || true; ip netns del nrt1 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
ip netns add nrt1
ip link add nrtv0 type veth peer name nrtv1
ip link set nrtv1 netns nrt1
ip addr add 10.99.0.1/24 dev nrtv0 && ip link set nrtv0 up
ip netns exec nrt1 ip addr add 10.99.0.2/24 dev nrtv1
ip netns exec nrt1 ip link set nrtv1 up && ip netns exec nrt1 ip link set lo up
tc qdisc add dev nrtv0 root tbf rate 1gbit burst 256kb latency 10ms
ip netns exec nrt1 tc qdisc add dev nrtv1 root tbf rate 1gbit burst 256kb latency 10ms
cat > "$tmp/agent.sh" <<'A'
#!/bin/sh
while [ "${1#-}" != "$1" ]; do shift; done
shift
exec ip netns exec nrt1 sh -c "$*"
A
chmod +x "$tmp/agent.sh"
printf 'localhost slots=1\n10.99.0.2 slots=1\n' > "$tmp/hosts"
cat > "$tmp/tcp.mjs" <<'T'
import net from 'node:net';
const [mode, host, port = '5999', what = 'one TCP stream'] = process.argv.slice(2);
const N = 64 << 20;
if (mode === 'server') {
  net.createServer((s) => { let n = 0; const t0 = performance.now(); s.on('data', (b) => { n += b.length; });
    s.on('end', () => { console.log(`${what}, 64 MB: ${(n * 8 / ((performance.now() - t0) / 1000) / 1e6).toFixed(0)} Mbit/s`); process.exit(0); }); }).listen(Number(port), host);
} else {
  const s = net.connect(Number(port), host, () => { const buf = Buffer.alloc(1 << 20); let sent = 0;
    const go = () => { while (sent < N) { sent += buf.length; if (!s.write(buf)) return s.once('drain', go); } s.end(); }; go(); });
}
T
ip netns exec nrt1 node "$tmp/tcp.mjs" server 10.99.0.2 & sleep 1; node "$tmp/tcp.mjs" client 10.99.0.2; wait
# both directions at once (each side a server and a client)
ip netns exec nrt1 node "$tmp/tcp.mjs" server 10.99.0.2 5998 'both directions, to rank 1' &
node "$tmp/tcp.mjs" server 10.99.0.1 5997 'both directions, to rank 0' &
sleep 1
node "$tmp/tcp.mjs" client 10.99.0.2 5998 & ip netns exec nrt1 node "$tmp/tcp.mjs" client 10.99.0.1 5997 &
wait
mpicc.openmpi -O2 "$here/allreduce.c" -o "$tmp/allreduce"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
M="--hostfile $tmp/hosts -np 2 --mca plm_rsh_agent $tmp/agent.sh --mca btl tcp,self --mca btl_tcp_if_include 10.99.0.0/24 --mca oob_tcp_if_include 10.99.0.0/24"
for c in 262144 1048576 4194304 16777216; do
  printf 'C       %8d floats: ' $c; mpirun.openmpi $M "$tmp/allreduce" $c 3 2>/dev/null | tail -1
done
# neurite: at 2 ranks on 2 hosts a large all-reduce is one pipelined exchange (each rank sends its
# whole buffer, in pieces, and combines the peer's as they land); NEURITE_MPI_EXCHANGE=off is
# MPI_Allreduce. One and two TCP connections per peer; ROUNDS rounds (default 3), interleaved.
nr() { NEURITE_MPI_EXCHANGE=$2 mpirun.openmpi $M --mca btl_tcp_links $1 -x NEURITE_MPI_EXCHANGE -x NEURITE_MPI_ADDON="$root/build-mpi/openmpi/neurite_mpi.node" node "$here/allreduce-rank.mjs" 1048576 5 2>/dev/null | tail -1; }
for r in $(seq "${ROUNDS:-3}"); do
  for links in 1 2; do
    printf 'C       %8d floats, btl_tcp_links %d: ' 1048576 $links; mpirun.openmpi $M --mca btl_tcp_links $links "$tmp/allreduce" 1048576 5 2>/dev/null | tail -1
    printf 'neurite %8d floats, btl_tcp_links %d, exchange: ' 1048576 $links; nr $links auto
    printf 'neurite %8d floats, btl_tcp_links %d, MPI_Allreduce: ' 1048576 $links; nr $links off
  done
done
cat /proc/loadavg
