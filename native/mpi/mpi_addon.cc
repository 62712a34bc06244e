// The optional MPI addon (lib/distributed loads it only when `distributed` is used): one
// communication thread makes every MPI call, from MPI_Init_thread to MPI_Finalize, as Horovod
// does; JavaScript enqueues collectives and awaits promises, so the event loop never blocks.
// Buffers are the tensors' own Float32Arrays, reduced in place (kept alive by references until
// the operation completes). Every entry checks its arguments first (args.h, the trust boundary).
// When every rank runs on one host, DistributedDataParallel's buckets live in shared memory
// (sharedBuffer) and are all-reduced there by the ranks themselves (allReduceShared), without MPI,
// and so is every allReduce: small ones through a channel of slots, large ones through a staging.
// the C API only: the deprecated C++ bindings would need libmpi_cxx
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#include <node_api.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <algorithm>
#include <vector>
#include <mutex>
#include <string>
#include <thread>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <initializer_list>
#include <utility>
#ifdef __linux__
#include <fcntl.h>
#include <signal.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#define NEURITE_SHM 1
#endif

#include "../addon/args.h"

namespace neurite_mpi {
using neurite_addon::ArgError;
using neurite_addon::Args;
using neurite_addon::F32;

// Operation kinds and reduce ops: the ids lib/distributed/ids.ts mirrors.
enum Kind { kInit, kAllReduce, kBroadcast, kAllGather, kBarrier, kFinalize, kSharedAlloc, kAllReduceShared, kAllReduceSmall };
struct Segment;
// Reduce ops: 0 sum, 1 max, 2 min, 3 product ('avg' is a sum scaled in JavaScript).
constexpr int kNumReduceOps = 4;

struct Op {
  Kind kind;
  float* buf = nullptr;
  float* out = nullptr;
  int64_t count = 0;
  int reduce = 0;
  double scale = 1;  // all-reduce: each rank's values are multiplied by this first (DDP's 1/N)
  int root = 0;
  Segment* seg = nullptr;  // kSharedAlloc's result (null: not available), kAllReduceShared's segment
  uint32_t gen = 0;        // kAllReduceSmall: its number on the small-message channel; kAllReduceShared: its phase base on the segment
  int stage = 0;           // kAllReduceShared: what the calling thread did before it handed it over (sharedAllReduce)
  bool announced = false;  // kAllReduceSmall: the calling thread already wrote and announced it (a hand-off)
  napi_deferred deferred = nullptr;
  napi_ref keep[2] = {nullptr, nullptr};
  // results
  bool failed = false;
  std::string error;
  double seconds = 0;
  int rank = 0, size = 0, localRank = 0, localSize = 0, threadLevel = 0;
};

// One MPI world per process: MPI_Init may run once. The state below belongs to the Node
// environment that called init (the main thread of a rank); others get an error.
struct State {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Op*> queue;
  std::thread comm;
  napi_env env = nullptr;
  napi_threadsafe_function tsfn = nullptr;
  int pending = 0;  // main thread only
  bool started = false, finalized = false, stopping = false;
  bool ready = false;  // init settled successfully (main thread)
  bool exited = false;  // the communication thread returned (under mu)
  int size = 0;
  int localSize = 0;
};
// Never destroyed: a std::thread still joinable at static destruction would terminate the process.
State& g = *new State;

const char* threadLevelName(int l) {
  switch (l) {
    case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
    case MPI_THREAD_MULTIPLE: return "MPI_THREAD_MULTIPLE";
  }
  return "unknown";
}

std::string mpiError(const char* what, int rc) {
  char s[MPI_MAX_ERROR_STRING];
  int n = 0;
  if (MPI_Error_string(rc, s, &n) != MPI_SUCCESS) n = 0;
  return std::string(what) + " failed: " + std::string(s, static_cast<size_t>(n));
}

MPI_Op reduceOp(int id) {
  switch (id) {
    case 1: return MPI_MAX;
    case 2: return MPI_MIN;
    case 3: return MPI_PROD;
  }
  return MPI_SUM;
}

// Wait for a non-blocking collective without busy-polling a core away from the ranks' compute:
// test in a tight loop for the first 100 us (small messages finish in microseconds), then
// yield the core between tests (each test also drives the collective's progress; sleeping
// instead, NEURITE_MPI_POLL_SLEEP_US, frees more CPU but slows large messages several-fold). A blocking
// MPI call would spin this thread at 100% while a peer is still in backward: on a machine with
// as many cores as ranks that steals the core of this rank's own compute thread.
int kPollSleepUs = [] { const char* e = std::getenv("NEURITE_MPI_POLL_SLEEP_US"); return e ? std::atoi(e) : 0; }();
// sleepy: after the first 100 us, sleep between tests (10 us doubling to 100 us) instead of
// yielding. sched_yield() returns at once when nothing else is runnable on this core, so the
// yielding loop burns a full core for as long as a peer is late; measured on 2 cores with 2
// ranks, each rank's communication thread used as much CPU as its compute thread.
int waitPolite(MPI_Request* req, bool sleepy = false) {
  int done = 0;
  double t0 = MPI_Wtime();
  int sleepUs = 10;
  for (;;) {
    int rc = MPI_Test(req, &done, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS || done) return rc;
    if (MPI_Wtime() - t0 > 100e-6) {
      if (sleepy) {
        std::this_thread::sleep_for(std::chrono::microseconds(sleepUs));
        sleepUs = std::min(sleepUs * 2, 100);
      } else if (kPollSleepUs > 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(kPollSleepUs));
      } else {
        std::this_thread::yield();
      }
    }
  }
}

// Before a large collective, wait for every rank to arrive with a barrier waited for sleepily:
// the wait for a late peer (still in backward) then costs no CPU, and the transfer itself,
// which needs every rank to drive its progress, runs with the fast polling wait. Small
// collectives (up to kRendezvousBytes) are waited for sleepily at once.
constexpr int64_t kRendezvousBytes = 64 * 1024;
int rendezvous() {
  MPI_Request req;
  int rc = MPI_Ibarrier(MPI_COMM_WORLD, &req);
  if (rc == MPI_SUCCESS) rc = waitPolite(&req, true);
  return rc;
}

// Large all-reduces: after the rendezvous every rank is there, so the transfer runs as a
// blocking MPI_Allreduce (Open MPI's tuned algorithms; its non-blocking one goes through libnbc,
// measured ~1.8x slower for 2.68 MB on 2 ranks). NEURITE_MPI_LARGE=poll restores the
// MPI_Iallreduce + MPI_Test loop (for measurements).
bool kLargePoll = [] { const char* e = std::getenv("NEURITE_MPI_LARGE"); return e != nullptr && std::strcmp(e, "poll") == 0; }();

// Multiply each rank's contribution by `scale` before the reduction (DDP's averaging: PyTorch's
// reducer divides each gradient by the world size, then sums). In double and rounded once to
// float, as JavaScript's `f32[i] = g[i] * s` does, so the results do not depend on where it runs.
void prescale(float* p, int64_t n, double scale) {
  if (scale == 1) return;
  for (int64_t i = 0; i < n; i++) p[i] = static_cast<float>(static_cast<double>(p[i]) * scale);
}

// Reduce ops as in reduceOp(): 0 sum, 1 max, 2 min, 3 product; `b` is the next rank's value.
template <int R>
inline float combine(float a, float b) {
  if (R == 0) return a + b;
  if (R == 1) return b > a ? b : a;
  if (R == 2) return b < a ? b : a;
  return a * b;
}

// One scaled value: in double rounded once to float (prescale's rounding); by a power of two the
// float product is the same number.
enum ScaleKind { kOne, kPow2, kOther };
template <ScaleKind K>
inline float scaled(float x, double s, float sf) {
  if (K == kOne) return x;
  if (K == kPow2) return x * sf;
  return static_cast<float>(static_cast<double>(x) * s);
}
// out[0..n) = parts[0] combined with parts[1], parts[2], ... in rank order, each value scaled first: every
// reduction neurite does itself (DDP's shared buckets, the staged large all-reduces, the small channel, the 2-rank
// exchange) runs this loop.
template <int R, ScaleKind K>
__attribute__((optimize("O3"))) void reduceBlock(float* __restrict out, const float* const* parts, int nr, int64_t n, double s) {
  float sf = static_cast<float>(s);
  const float* __restrict p0 = parts[0];
  for (int64_t i = 0; i < n; i++) out[i] = scaled<K>(p0[i], s, sf);
  for (int j = 1; j < nr; j++) {
    const float* __restrict pj = parts[j];
    for (int64_t i = 0; i < n; i++) out[i] = combine<R>(out[i], scaled<K>(pj[i], s, sf));
  }
}
template <ScaleKind K>
void reduceParts(float* out, const float* const* parts, int nr, int64_t n, int reduce, double s) {
  switch (reduce) {
    case 1: reduceBlock<1, K>(out, parts, nr, n, s); break;
    case 2: reduceBlock<2, K>(out, parts, nr, n, s); break;
    case 3: reduceBlock<3, K>(out, parts, nr, n, s); break;
    default: reduceBlock<0, K>(out, parts, nr, n, s); break;
  }
}
void reduceParts(float* out, const float* const* parts, int nr, int64_t n, int reduce, double s, ScaleKind k) {
  if (k == kOne) reduceParts<kOne>(out, parts, nr, n, reduce, s);
  else if (k == kPow2) reduceParts<kPow2>(out, parts, nr, n, reduce, s);
  else reduceParts<kOther>(out, parts, nr, n, reduce, s);
}


// ---- Two ranks on two hosts: the all-reduce as one pipelined exchange ------------------------
// A 2-rank all-reduce of S bytes must move S bytes each way, and at best moves them both ways at
// once. MPI_Allreduce's algorithms over TCP (Open MPI's ring, a reduce-scatter then an all-gather)
// leave the link half idle; across a veth pair shaped to 1 Gbit/s its 4 MB all-reduce reached 47%
// of the link on one TCP connection and 66% on two (bench/RESULTS.md, session 9). Here each rank
// sends its whole buffer to the other in kExchangeChunk pieces, up to kExchangeWindow of them in
// flight (MPI point-to-point: non-blocking sends and receives in one stream), and combines each
// piece as it lands. A piece fits under the TCP transports' eager limits (Open MPI's 64 KiB with
// its header, MPICH's 128 KiB), so it goes out at once, without the rendezvous handshake whose
// replies queue behind a full link's data: across the shaped veth pair, 256 KiB pieces (each a
// rendezvous) reached 57-74% of 1 Gbit/s, pieces under 64 KiB with 64 in flight 58-100% (load
// 4-5). The combination: rank 0's value with rank 1's, in that order on both ranks, so both get
// the same bits (for a sum, MPI's bits too: a + b = b + a). Used for large all-reduces
// (over kRendezvousBytes) when the world is 2 ranks on 2 hosts; NEURITE_MPI_EXCHANGE=off keeps
// MPI_Allreduce, =on uses the exchange on one host too (the tests' way to run it).
constexpr int64_t kExchangeChunk = 16 * 1024 - 16;  // floats: 65,472 bytes, 64 bytes of headroom under 64 KiB
constexpr int kExchangeWindow = 64;                 // pieces in flight each way (4 MiB)
constexpr int kExchangeTag = 0x4e58;                // the only point-to-point messages on MPI_COMM_WORLD
int kExchangeMode = [] {  // 0 auto (2 ranks, 2 hosts), 1 on (2 ranks), -1 off
  const char* e = std::getenv("NEURITE_MPI_EXCHANGE");
  if (e == nullptr) return 0;
  return std::strcmp(e, "off") == 0 || std::strcmp(e, "0") == 0 ? -1 : std::strcmp(e, "on") == 0 || std::strcmp(e, "1") == 0 ? 1 : 0;
}();
std::atomic<uint64_t> exchanges{0};  // how many all-reduces ran as the exchange (info().exchanges)
bool useExchange(int size, int localSize) { return size == 2 && (kExchangeMode == 1 || (kExchangeMode == 0 && localSize != size)); }

int exchangeAllReduce(float* buf, int64_t count, int reduce) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const int peer = 1 - rank;
  const int64_t pieces = (count + kExchangeChunk - 1) / kExchangeChunk;
  const int window = static_cast<int>(std::min<int64_t>(pieces, kExchangeWindow));
  static thread_local std::vector<float> landed;  // the peer's pieces, one slot per piece in flight
  landed.resize(static_cast<size_t>(window * kExchangeChunk));
  std::vector<MPI_Request> req(static_cast<size_t>(2 * window), MPI_REQUEST_NULL);
  constexpr int64_t kBlock = 2048;
  alignas(64) float acc[kBlock];
  auto len = [&](int64_t k) { return static_cast<int>(std::min(kExchangeChunk, count - k * kExchangeChunk)); };
  auto post = [&](int64_t k) {
    int w = static_cast<int>(k % window);
    int rc = MPI_Irecv(landed.data() + w * kExchangeChunk, len(k), MPI_FLOAT, peer, kExchangeTag, MPI_COMM_WORLD, &req[2 * w]);
    if (rc == MPI_SUCCESS) rc = MPI_Isend(buf + k * kExchangeChunk, len(k), MPI_FLOAT, peer, kExchangeTag, MPI_COMM_WORLD, &req[2 * w + 1]);
    return rc;
  };
  int rc = MPI_SUCCESS;
  for (int64_t k = 0; k < window && rc == MPI_SUCCESS; k++) rc = post(k);
  for (int64_t k = 0; k < pieces && rc == MPI_SUCCESS; k++) {
    int w = static_cast<int>(k % window);
    // piece k is sent (its values may be overwritten) and the peer's piece k has landed
    rc = MPI_Waitall(2, &req[2 * w], MPI_STATUSES_IGNORE);
    if (rc != MPI_SUCCESS) break;
    float* mine = buf + k * kExchangeChunk;
    const float* theirs = landed.data() + w * kExchangeChunk;
    const float* parts[2] = {rank == 0 ? mine : theirs, rank == 0 ? theirs : mine};  // rank order
    for (int64_t b = 0; b < len(k); b += kBlock) {  // through a block in L1 (out may not alias the parts)
      int64_t n = std::min<int64_t>(kBlock, len(k) - b);
      const float* at[2] = {parts[0] + b, parts[1] + b};
      reduceParts<kOne>(acc, at, 2, n, reduce, 1);  // the values were scaled before (prescale)
      std::memcpy(mine + b, acc, static_cast<size_t>(n) * 4);
    }
    if (k + window < pieces) rc = post(k + window);
  }
  if (rc == MPI_SUCCESS) exchanges++;
  else  // leave no request pending on buffers about to be released
    for (auto& r : req) if (r != MPI_REQUEST_NULL) { MPI_Cancel(&r); MPI_Request_free(&r); }
  return rc;
}


// ---- Shared-memory all-reduce (one host) ----------------------------------------------------
// A segment: a header line per rank (its progress counter, a futex word, and its pid and start
// time for the liveness check), then one part per rank of `count` floats, page-aligned. Local
// rank 0 creates it (shm_open + posix_fallocate, so a full /dev/shm is an error now rather than a
// SIGBUS later), every rank maps all of it, and the name is unlinked once all have it open: the
// memory lives as long as some rank maps it. Each rank's part is its Float32Array (an external
// ArrayBuffer; GC unmaps it), so the lifetime is JavaScript's, independent of MPI_Finalize; POSIX
// shared memory rather than MPI_Win_allocate_shared for that reason (a window is freed
// collectively and by MPI_Finalize, while JavaScript may still hold the buffer).
// An all-reduce over a range of the parts (the same range on every rank): every rank announces it
// is there, rank r sums chunk r of the range over every rank's part in rank order (each value
// first times `scale`, in double rounded to float as prescale()) and writes the sum into every
// rank's part, then announces it is done; a rank leaves when every rank is done. Every rank gets
// the same bits; each rank reads and writes 2/N of the range (MPI's shared-memory transport
// copies it through a FIFO: measured 3x the time for 2.68 MB, bench/distributed/shm-allreduce.c).
// Block-claimed instead (session 9, opt-in: NEURITE_MPI_SHM_REDUCE=claim on local rank 0; measured
// level with the fixed split on 2 vCPUs, bench/RESULTS.md): once every rank is there, the range's
// blocks (kClaimFloats floats, 64 KB) are handed out by tickets (fetch_add on counters in the
// segment's header; rank r draws from its own chunk's blocks first, then from the others') to whichever
// rank asks; the rank that drew block b sums it as above, writes it
// into every rank's part and adds one to the done counter (release); a rank leaves once done counts
// every block (acquire: it then sees every rank's writes). The sum of an element does not depend on
// who computes it: the same bits as the fixed split. A rank whose communication thread is still
// asleep (a futex wake-up) or descheduled (more ranks than cores) then costs the others only the
// blocks it already drew. Reuse of the counters: collective k uses the tickets and the done count of
// parity k & 1; every rank clears the other parity's once every rank has arrived at k (so every rank has left
// k - 1, the last user of that pair), and nobody touches it again before every rank has arrived at
// k + 1 (after that clear): no ABA, no epoch tag needed. A rank lost while it holds a block leaves
// the done count short: the done wait's liveness check names it.
struct alignas(64) Line {
  std::atomic<uint32_t> seq;      // phases completed (claim: 1 per all-reduce; chunk: 2)
  std::atomic<uint32_t> waiters;  // ranks asleep on seq (the futex word)
  int32_t pid;
  uint64_t start;                 // /proc/<pid>/stat field 22: tells a reused pid apart
};
// A counter other ranks may sleep on (the done count is a futex word).
struct alignas(64) Counter {
  std::atomic<uint32_t> v;
  std::atomic<uint32_t> waiters;
};
// The shared header after the ranks' lines: how the segment is reduced (rank 0 decides, from its
// environment, before the others read it), the two done counts, then (Segment::ticket) 2 x n tickets.
struct alignas(64) Shared {
  uint32_t claim;       // 1: block-claimed; 0: fixed chunks (the default)
  uint32_t blockFloats; // claim's block size
  Counter done[2];
};
constexpr int64_t kClaimFloats = 16384;  // 64 KB
struct Segment {
  char* base = nullptr;
  size_t bytes = 0, header = 0, part = 0;
  int64_t count = 0;
  int n = 0, me = 0;
  uint32_t gen = 0;  // the next shared all-reduce's phase base (takePhases), taken in call order: at the call on the main thread (sharedBuffer's), on the communication thread (the staging)
  bool checkPeers = true;  // every peer's pid is visible here (not so across PID namespaces)
  bool claim = false;      // block-claimed (Shared::claim, read once at sharedAlloc)
  int64_t block = kClaimFloats;
  Line* line(int j) const { return reinterpret_cast<Line*>(base) + j; }
  Shared* shared() const { return reinterpret_cast<Shared*>(base + static_cast<size_t>(n) * sizeof(Line)); }
  // claim's ticket of home range j in pair p (after Shared: 2 x n counters)
  Counter* ticket(int p, int j) const { return reinterpret_cast<Counter*>(reinterpret_cast<char*>(shared()) + sizeof(Shared)) + p * n + j; }
  float* buf(int j) const { return reinterpret_cast<float*>(base + header + part * static_cast<size_t>(j)); }
};
// The segments JavaScript holds (main thread only): allReduceShared finds its buffer's here.
std::vector<Segment*> segments;
// Shared all-reduces of this process (info().shared): collectives, blocks in them, blocks this rank
// reduced (claim mode; chunk mode counts its one chunk as one block).
std::atomic<uint64_t> sharedColls{0}, sharedBlocks{0}, sharedMine{0};

#ifdef NEURITE_SHM
// NEURITE_MPI_SHM=off: sharedBuffer gives null on this rank, so every rank keeps MPI (escape hatch, A/B).
bool kShmOff = [] { const char* e = std::getenv("NEURITE_MPI_SHM"); return e != nullptr && (std::strcmp(e, "off") == 0 || std::strcmp(e, "0") == 0); }();
// NEURITE_MPI_SHM_REDUCE=claim (read by local rank 0 when it makes a segment, so every rank agrees): the
// block-claimed reduction instead of the fixed split (opt-in: measured level with it, session 9).
// NEURITE_MPI_SHM_BLOCK=<floats>: claim's block size (a multiple of 16; measurements and tests).
bool kShmClaim = [] { const char* e = std::getenv("NEURITE_MPI_SHM_REDUCE"); return e != nullptr && std::strcmp(e, "claim") == 0; }();
bool kClaimOneRange = [] { const char* e = std::getenv("NEURITE_MPI_SHM_CLAIM"); return e != nullptr && std::strcmp(e, "shared") == 0; }();
int64_t kShmBlock = [] {
  const char* e = std::getenv("NEURITE_MPI_SHM_BLOCK");
  long long v = e ? std::atoll(e) : 0;
  return v >= 16 && v <= (int64_t(1) << 24) ? (v + 15) / 16 * 16 : kClaimFloats;
}();
// Test hooks of the claim path (test/distributed/claim-rank.mjs): NEURITE_MPI_TEST_CLAIM_DELAY_MS, this rank
// sleeps that long after every rank has arrived, before it asks for a block (so the others take them all);
// NEURITE_MPI_TEST_DIE_HOLDING=1, this rank kills itself (SIGKILL) holding the first block it draws.
int kTestClaimDelayMs = [] { const char* e = std::getenv("NEURITE_MPI_TEST_CLAIM_DELAY_MS"); return e ? std::atoi(e) : 0; }();
bool kTestDieHolding = [] { const char* e = std::getenv("NEURITE_MPI_TEST_DIE_HOLDING"); return e != nullptr && std::strcmp(e, "1") == 0; }();

// /proc/<pid>/stat: the process's start time (field 22; 0 when there is no such process), its state
// (field 3) and flags (field 9).
uint64_t procStart(int pid, char* state, unsigned long* flags = nullptr) {
  char path[64], b[1024];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = ::read(fd, b, sizeof b - 1);
  ::close(fd);
  if (n <= 0) return 0;
  b[n] = 0;
  char* p = std::strrchr(b, ')');  // the command name may hold spaces and parentheses
  if (p == nullptr || p[1] == 0) return 0;
  *state = p[2];
  // fields after the name: state is field 3, flags field 9, starttime field 22
  int field = 3;
  for (p += 2; *p != 0 && field < 22; p++) {
    if (*p != ' ') continue;
    if (++field == 9 && flags != nullptr) *flags = std::strtoul(p + 1, nullptr, 10);
  }
  return std::strtoull(p, nullptr, 10);
}
// A peer is lost once its pid is gone, reused (another start time), a zombie, or exiting: PF_EXITING
// (0x4) is set as soon as a fatal signal is taken, while the kernel still tears down its memory,
// which for a Node process takes milliseconds (a launcher may stop the job in that time).
bool alive(const Line* l) {
  char st = 0;
  unsigned long flags = 0;
  uint64_t s = procStart(l->pid, &st, &flags);
  return s != 0 && s == l->start && st != 'Z' && st != 'X' && (flags & 0x4) == 0;
}

long futex(std::atomic<uint32_t>* w, int op, uint32_t v, const timespec* t) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t*>(w), op, v, t, nullptr, 0);
}
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Announce phase v: store it and wake the ranks asleep on it.
void announce(Segment* s, uint32_t v) {
  Line* l = s->line(s->me);
  l->seq.store(v, std::memory_order_seq_cst);
  if (l->waiters.load(std::memory_order_seq_cst) > 0) futex(&l->seq, FUTEX_WAKE, INT_MAX, nullptr);
}
// Wait until every rank has announced phase v: spin 20 us (a peer that is there finishes in
// microseconds), then sleep on the peer's counter (a futex: no CPU while a peer is late; 4 ranks on
// 2 cores run), waking every 5 ms to check that the peer is alive (a read of /proc/<pid>/stat: about
// 0.2% of a core while waiting). A lost peer is an error naming its rank (mpirun normally stops the
// job first; MPICH's Hydra, even with -disable-auto-cleanup, killed the other ranks 10-25 ms after
// a rank's death here, which a 100 ms period lost about half the time).
constexpr long kLivenessNs = 5 * 1000 * 1000;
bool waitAll(Segment* s, uint32_t v, std::string* err, double spin = 20e-6) {
  double t0 = 0;  // one spin budget for all peers
  for (int j = 0; j < s->n; j++) {
    if (j == s->me) continue;
    Line* l = s->line(j);
    auto behind = [&] { return static_cast<int32_t>(l->seq.load(std::memory_order_acquire) - v) < 0; };
    if (!behind()) continue;
    if (t0 == 0) t0 = now();
    while (behind() && now() - t0 < spin) cpuRelax();
    while (behind()) {
      l->waiters.fetch_add(1, std::memory_order_seq_cst);
      uint32_t cur = l->seq.load(std::memory_order_seq_cst);
      if (static_cast<int32_t>(cur - v) < 0) {
        timespec t{0, kLivenessNs};
        futex(&l->seq, FUTEX_WAIT, cur, &t);
      }
      l->waiters.fetch_sub(1, std::memory_order_seq_cst);
      if (s->checkPeers && behind() && !alive(l)) {
        *err = "allReduce: rank " + std::to_string(j) + " (pid " + std::to_string(l->pid) + ") was lost";
        return false;
      }
    }
  }
  return true;
}

// The reduction (op `reduce`) of [lo, hi) of the range at `off` (scale of kind k), in blocks that stay in L1,
// written into every rank's part.
void reduceChunk(Segment* s, int64_t off, int64_t lo, int64_t hi, double scale, ScaleKind k, int reduce) {
  constexpr int64_t kBlock = 2048;
  alignas(64) float acc[kBlock];
  const float* few[8];
  std::vector<const float*> many;
  const float** parts = few;
  if (s->n > 8) { many.resize(static_cast<size_t>(s->n)); parts = many.data(); }
  for (int64_t b = lo; b < hi; b += kBlock) {
    int64_t n = std::min(kBlock, hi - b);
    for (int j = 0; j < s->n; j++) parts[j] = s->buf(j) + off + b;
    reduceParts(acc, parts, s->n, n, reduce, scale, k);
    for (int j = 0; j < s->n; j++) std::memcpy(s->buf(j) + off + b, acc, static_cast<size_t>(n) * 4);
  }
}

// The scale's kind (see scaled()).
ScaleKind scaleKind(double scale) {
  int e = 0;
  double m = std::frexp(scale, &e);
  return scale == 1 ? kOne : (m == 0.5 && std::ldexp(1.0f, e - 1) != 0 && std::isnormal(std::ldexp(1.0f, e - 1))) ? kPow2 : kOther;
}

// Wait until c (a done counter) reaches `want`: spin `spin` seconds, then sleep on it (futex), waking every
// kLivenessNs to check the peers: one that is gone while blocks are missing may hold one of them (a rank that
// drew no block and died is reported at the next collective's arrival instead, if the count completes).
bool waitDone(Segment* s, Counter* c, uint32_t want, std::string* err, double spin) {
  if (c->v.load(std::memory_order_acquire) >= want) return true;
  double t0 = now();
  while (c->v.load(std::memory_order_acquire) < want && now() - t0 < spin) cpuRelax();
  while (c->v.load(std::memory_order_acquire) < want) {
    c->waiters.fetch_add(1, std::memory_order_seq_cst);
    uint32_t cur = c->v.load(std::memory_order_seq_cst);
    if (cur < want) {
      timespec t{0, kLivenessNs};
      futex(&c->v, FUTEX_WAIT, cur, &t);
    }
    c->waiters.fetch_sub(1, std::memory_order_seq_cst);
    if (!s->checkPeers || c->v.load(std::memory_order_acquire) >= want) continue;
    for (int j = 0; j < s->n; j++) {
      if (j == s->me || alive(s->line(j))) continue;
      if (c->v.load(std::memory_order_acquire) >= want) break;  // it finished its blocks before it went
      *err = "allReduce: rank " + std::to_string(j) + " (pid " + std::to_string(s->line(j)->pid) + ") was lost";
      return false;
    }
  }
  return true;
}

// The blocks of a claimed range of `count` floats.
uint32_t blocksOf(const Segment* s, int64_t count) { return static_cast<uint32_t>((count + s->block - 1) / s->block); }

// Block-claimed all-reduce of the range [off, off + count) of every part, collective g (every rank has
// announced g + 1): draw blocks until none is left, reduce each, count it done. Returns the number of blocks
// (what the done counter of pair g & 1 reaches when every block is done).
uint32_t claimBlocks(Segment* s, int64_t off, int64_t count, double scale, int reduce, uint32_t g) {
  Shared* sh = s->shared();
  int p = g & 1;
  // every rank has left collective g - 1, the last user of the other pair, and none can use it before
  // every rank (this one too) has arrived at g + 1
  for (int j = 0; j < s->n; j++) s->ticket(p ^ 1, j)->v.store(0, std::memory_order_relaxed);
  sh->done[p ^ 1].v.store(0, std::memory_order_relaxed);
  if (kTestClaimDelayMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(kTestClaimDelayMs));
  int64_t B = s->block;
  uint32_t nb = blocksOf(s, count);
  ScaleKind k = scaleKind(scale);
  uint64_t mine = 0;
  // home ranges: rank j's are blocks [j*per, (j+1)*per) (the fixed split's chunk, in blocks); a rank draws from its
  // own first (the blocks it reduced last time: they are in its caches, and its prefetchers see one long stream),
  // then from the others' (what a late or descheduled peer has not drawn yet). NEURITE_MPI_SHM_CLAIM=shared: one
  // range, every rank drawing from the front (A/B).
  int homes = kClaimOneRange ? 1 : s->n;
  uint32_t per = (nb + static_cast<uint32_t>(homes) - 1) / static_cast<uint32_t>(homes);
  for (int h = 0; h < homes; h++) {
    int j = (s->me + h) % homes;
    uint32_t first = std::min(nb, per * static_cast<uint32_t>(j)), len = std::min(nb, first + per) - first;
    Counter* tk = s->ticket(p, j);
    for (;;) {
      uint32_t t = tk->v.load(std::memory_order_relaxed) >= len ? len : tk->v.fetch_add(1, std::memory_order_relaxed);
      if (t >= len) break;
      if (kTestDieHolding) kill(getpid(), SIGKILL);
      int64_t lo = static_cast<int64_t>(first + t) * B;
      reduceChunk(s, off, lo, std::min(count, lo + B), scale, k, reduce);
      mine++;
      // release: whoever sees the count complete sees this block's writes
      if (sh->done[p].v.fetch_add(1, std::memory_order_seq_cst) + 1 == nb && sh->done[p].waiters.load(std::memory_order_seq_cst) > 0)
        futex(&sh->done[p].v, FUTEX_WAKE, INT_MAX, nullptr);
    }
  }
  sharedColls.fetch_add(1, std::memory_order_relaxed);
  sharedBlocks.fetch_add(nb, std::memory_order_relaxed);
  sharedMine.fetch_add(mine, std::memory_order_relaxed);
  return nb;
}

// allReduceShared's collective `g` over buf (its number on the segment, taken at the call): op `reduce` (0 for
// DDP's buckets) of every rank's values times `scale`. `stage`: what the calling thread did already (0 nothing,
// 1 announced, 2 announced and drew blocks until none was left); spin: the first wait's spin (the calling thread
// spun already when it handed the collective over).
bool sharedAllReduce(Segment* s, float* buf, int64_t count, double scale, int reduce, uint32_t g0, int stage, std::string* err) {
  int64_t off = buf - s->buf(s->me);
  if (s->claim) {
    if (stage < 1) announce(s, g0 + 1);
    if (stage < 2 && !waitAll(s, g0 + 1, err, stage == 0 ? 20e-6 : 0)) return false;
    if (stage < 2) claimBlocks(s, off, count, scale, reduce, g0);
    return waitDone(s, &s->shared()->done[g0 & 1], blocksOf(s, count), err, stage < 2 ? 20e-6 : 0);
  }
  announce(s, g0 + 1);
  if (!waitAll(s, g0 + 1, err)) return false;
  // chunk r: [r*per, (r+1)*per) of the range, per a multiple of 16 floats (one cache line)
  int64_t per = ((count + s->n - 1) / s->n + 15) / 16 * 16;
  int64_t lo = std::min(count, per * s->me), hi = std::min(count, lo + per);
  if (lo < hi) reduceChunk(s, off, lo, hi, scale, scaleKind(scale), reduce);
  sharedColls.fetch_add(1, std::memory_order_relaxed);
  sharedBlocks.fetch_add(static_cast<uint64_t>(s->n), std::memory_order_relaxed);
  sharedMine.fetch_add(1, std::memory_order_relaxed);
  announce(s, g0 + 2);
  return waitAll(s, g0 + 2, err);
}

// The phase base of the segment's next shared all-reduce (claim mode takes one phase, the fixed split two).
uint32_t takePhases(Segment* s) {
  uint32_t g0 = s->gen;
  s->gen += s->claim ? 1 : 2;
  return g0;
}

// Collective over MPI_COMM_WORLD (every rank on this host): a segment of n parts of count floats,
// or null (with the reason in *why) when any rank could not make or map it.
int sharedAlloc(int64_t count, int rank, int size, int localSize, Segment** out, std::string* why) {
  *out = nullptr;
  struct { int ok; int64_t count; char name[60]; } hdr{};
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t header = (static_cast<size_t>(size) * (sizeof(Line) + 2 * sizeof(Counter)) + sizeof(Shared) + page - 1) / page * page;
  size_t part = (static_cast<size_t>(count) * 4 + page - 1) / page * page;
  size_t bytes = header + part * static_cast<size_t>(size);
  static int serial = 0;
  int fd = -1;
  int ok = !kShmOff && localSize == size;
  if (rank == 0 && ok) {
    std::snprintf(hdr.name, sizeof hdr.name, "/neurite-mpi-%d-%d", static_cast<int>(getpid()), serial++);
    fd = shm_open(hdr.name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    int rc = fd < 0 ? errno : ftruncate(fd, static_cast<off_t>(bytes)) != 0 ? errno : posix_fallocate(fd, 0, static_cast<off_t>(bytes));
    if (rc != 0) {
      *why = std::string("shared memory ") + hdr.name + ": " + std::strerror(rc);
      ok = 0;
      if (fd >= 0) { ::close(fd); fd = -1; shm_unlink(hdr.name); }
    }
  }
  hdr.ok = ok;
  hdr.count = count;
  MPI_Request req;
  int rc = MPI_Ibcast(&hdr, sizeof hdr, MPI_BYTE, 0, MPI_COMM_WORLD, &req);
  if (rc == MPI_SUCCESS) rc = waitPolite(&req, true);
  if (rc != MPI_SUCCESS) { if (fd >= 0) { ::close(fd); shm_unlink(hdr.name); } return rc; }
  ok = ok && hdr.ok;
  if (ok && hdr.count != count) { *why = "the ranks asked for different sizes (" + std::to_string(hdr.count) + " floats on rank 0, " + std::to_string(count) + " here)"; ok = 0; }
  if (ok && rank != 0) {
    fd = shm_open(hdr.name, O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) { *why = std::string("shared memory ") + hdr.name + ": " + std::strerror(errno); ok = 0; }
  }
  void* base = MAP_FAILED;
  if (ok) {
    base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) { *why = std::string("mmap: ") + std::strerror(errno); ok = 0; }
  }
  if (fd >= 0) ::close(fd);
  Segment* s = nullptr;
  if (ok) {
    s = new Segment;
    s->base = static_cast<char*>(base);
    s->bytes = bytes;
    s->header = header;
    s->part = part;
    s->count = count;
    s->n = size;
    s->me = rank;
    Line* l = s->line(rank);
    l->pid = static_cast<int32_t>(getpid());
    char st;
    l->start = procStart(l->pid, &st);
    l->seq.store(0);
    l->waiters.store(0);
    if (rank == 0) {  // before the all-reduce below, after which the others read it
      s->shared()->claim = kShmClaim ? 1 : 0;
      s->shared()->blockFloats = static_cast<uint32_t>(kShmBlock);
    }
  }
  // every rank has opened (or failed): the name can go; the pid lines are written
  int all = 0;
  rc = MPI_Iallreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &req);
  if (rc == MPI_SUCCESS) rc = waitPolite(&req, true);
  if (rank == 0 && hdr.ok) shm_unlink(hdr.name);
  if (rc != MPI_SUCCESS || !all) {
    if (s != nullptr) { munmap(s->base, s->bytes); delete s; }
    if (why->empty() && rc == MPI_SUCCESS) *why = kShmOff ? "NEURITE_MPI_SHM=off" : localSize != size ? "the ranks are on more than one host" : "another rank could not map it";
    return rc;
  }
  // every rank wrote its line before the all-reduce: where a peer's pid is not visible here (ranks
  // in separate PID namespaces sharing /dev/shm), the waits cannot check it and rely on mpirun
  for (int j = 0; j < size; j++) if (j != rank && !alive(s->line(j))) s->checkPeers = false;
  s->claim = s->shared()->claim == 1;
  s->block = s->shared()->blockFloats;
  *out = s;
  return MPI_SUCCESS;
}

// ---- Small all-reduces through shared memory (one host) -------------------------------------
// When every rank runs on one host, init makes a second segment, the small-message channel (two
// slots of kSmallFloats floats per rank), and every allReduce of up to kRendezvousBytes goes
// through it on every rank, never through MPI: for the channel's k-th collective each rank writes
// its values (x scale, rounded as prescale()) into its slot k & 1 and announces k + 1; once every
// rank has announced, each rank combines slot k & 1 of every rank, in rank order, into its own
// buffer: the same operations on the same values, so every rank gets the same bits (at 2 ranks
// MPI's bits too: a + b = b + a). One synchronisation per collective: a rank writes slot k & 1
// again at collective k + 2, which it reaches only once every peer has announced k + 2, that is,
// after every peer finished reading collective k.
// Who runs it: when nothing is queued on the communication thread, the calling (main) thread,
// which waits for the peers at most kFastSpinSeconds (spinning): when they are there the call
// returns a number, the all-reduce done (ProcessGroup returns an already resolved promise); when not, the rest (the futex wait, the liveness check, the
// combine) goes to the communication thread and the event loop carries on (a late peer costs this
// rank the spin, no more). When collectives are queued, it is queued after them and runs there, in
// order. Both run the same protocol, so ranks that took different paths for one collective meet.
// k is taken at the call, on the main thread: the channel's order is JavaScript's call order.
constexpr int64_t kSmallFloats = kRendezvousBytes / 4;
constexpr double kFastSpinSeconds = 20e-6;
Segment* small = nullptr;  // main thread (set when init settles); ops carry it to the communication thread
uint32_t smallNext = 0;    // main thread: the next collective's k
// main thread: how the small all-reduces ran (info().small): on the calling thread, handed off to
// the communication thread after the spin, queued behind other collectives
double smallFast = 0, smallHandedOff = 0, smallQueued = 0;

float* slot(Segment* s, int j, uint32_t k) { return s->buf(j) + (k & 1) * (s->count / 2); }

void smallPut(Segment* s, uint32_t k, const float* src, int64_t n, double scale) {
  float* dst = slot(s, s->me, k);
  if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * 4);
  prescale(dst, n, scale);  // the MPI path's rounding of the scaled values
  announce(s, k + 1);
}

// Whether every peer has announced phase v (no wait).
bool allThere(const Segment* s, uint32_t v) {
  for (int j = 0; j < s->n; j++)
    if (j != s->me && static_cast<int32_t>(s->line(j)->seq.load(std::memory_order_acquire) - v) < 0) return false;
  return true;
}

// out = slot k & 1 of rank 0, combined with rank 1's, rank 2's, ... (every peer has announced k + 1)
void smallReduce(const Segment* s, uint32_t k, float* out, int64_t n, int reduce) {
  if (n == 0) return;
  const float* parts[64];
  std::vector<const float*> many;
  const float** p = parts;
  if (s->n > 64) { many.resize(static_cast<size_t>(s->n)); p = many.data(); }
  for (int j = 0; j < s->n; j++) p[j] = slot(const_cast<Segment*>(s), j, k);
  reduceParts<kOne>(out, p, s->n, n, reduce, 1);  // the values were scaled when put
}

// ---- Large all-reduces through shared memory (one host) -------------------------------------
// When every rank runs on one host, init makes, after the small channel, the staging (kPieceFloats floats per rank:
// NEURITE_MPI_SHM_PIECE, default 128 Ki = 512 KiB per rank whatever the buffers' sizes; the same on every rank,
// else no staging), and an allReduce of more than kSmallFloats goes through it instead of MPI_Allreduce, piece
// by piece: each rank copies its piece into its part, the ranks reduce it there as DDP's buckets
// (sharedAllReduce: the same rank-order reduction for every op, each value times the scale first, so the same
// bits on every rank, at 2 ranks MPI's bits too; the same waits: asleep while a peer is late, a lost peer
// named), and each rank copies the result back. Pieces of 64-128 Ki floats measured fastest for 2.68 MB at
// 2 ranks (bench/RESULTS.md, Session 10): the piece stays in the caches between the copies and the reduction.
// Where the staging could not be had on some rank, every rank keeps MPI for its large all-reduces.
int64_t kPieceFloats = [] {
  const char* e = std::getenv("NEURITE_MPI_SHM_PIECE");
  long long v = e ? std::atoll(e) : 0;
  return v >= 16 && v <= (int64_t(1) << 28) ? static_cast<int64_t>(v) : int64_t(1) << 17;
}();
Segment* staging = nullptr;  // communication thread (made by init)
// large all-reduces through the staging (info().staged): collectives, pieces
std::atomic<uint64_t> stagedColls{0}, stagedPieces{0};

// kAllReduce `op` through the staging (every rank has one, or none has).
bool stagedAllReduce(Op* op) {
  Segment* s = staging;
  float* part = s->buf(s->me);
  for (int64_t off = 0; off < op->count; off += kPieceFloats) {
    int64_t n = std::min(kPieceFloats, op->count - off);
    size_t bytes = static_cast<size_t>(n) * 4;
    // the peers touch this part only between every rank's arrival at a reduction and their leaving it
    std::memcpy(part, op->buf + off, bytes);
    if (!sharedAllReduce(s, part, n, op->scale, op->reduce, takePhases(s), 0, &op->error)) return false;
    std::memcpy(op->buf + off, part, bytes);
    stagedPieces.fetch_add(1, std::memory_order_relaxed);
  }
  stagedColls.fetch_add(1, std::memory_order_relaxed);
  return true;
}
void freeStaging() {
  if (staging != nullptr) { munmap(staging->base, staging->bytes); delete staging; staging = nullptr; }
}
#endif  // NEURITE_SHM

// Large buffers go in chunks that fit MPI's int counts.
constexpr int64_t kChunk = int64_t(1) << 30;

void run(Op* op) {
  double t0 = 0;
  int rc = MPI_SUCCESS;
  switch (op->kind) {
    case kInit: {
      int provided = 0;
      // This thread is the only one that ever calls MPI: FUNNELED is the level that needs.
      rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
      if (rc != MPI_SUCCESS) { op->failed = true; op->error = mpiError("MPI_Init_thread", rc); return; }
      op->threadLevel = provided;
      if (provided < MPI_THREAD_FUNNELED) {
        op->failed = true;
        op->error = std::string("MPI_Init_thread: the MPI library provides only ") + threadLevelName(provided) +
                    ", neurite's communication thread needs MPI_THREAD_FUNNELED";
        return;
      }
      // errors come back as return codes (rejected promises), not an abort of the job
      MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
      MPI_Comm_rank(MPI_COMM_WORLD, &op->rank);
      MPI_Comm_size(MPI_COMM_WORLD, &op->size);
      MPI_Comm local;
      rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, op->rank, MPI_INFO_NULL, &local);
      if (rc != MPI_SUCCESS) { op->failed = true; op->error = mpiError("MPI_Comm_split_type", rc); return; }
      MPI_Comm_rank(local, &op->localRank);
      MPI_Comm_size(local, &op->localSize);
      MPI_Comm_free(&local);
      g.localSize = op->localSize;
#ifdef NEURITE_SHM
      {
        // the small-message channel: null where the ranks span hosts or NEURITE_MPI_SHM=off (then MPI)
        std::string why;
        rc = sharedAlloc(2 * kSmallFloats, op->rank, op->size, op->localSize, &op->seg, &why);
        if (rc != MPI_SUCCESS) { op->failed = true; op->error = mpiError("init: the shared-memory channel", rc); return; }
        // the large all-reduces' staging, where the channel is (null on every rank if one cannot map it: MPI then)
        if (op->seg != nullptr) rc = sharedAlloc(kPieceFloats, op->rank, op->size, op->localSize, &staging, &why);
        if (rc != MPI_SUCCESS) { op->failed = true; op->error = mpiError("init: the shared-memory staging", rc); return; }
      }
#endif
      return;
    }
    case kSharedAlloc: {
#ifdef NEURITE_SHM
      int rank = 0, size = 1;
      MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      MPI_Comm_size(MPI_COMM_WORLD, &size);
      rc = sharedAlloc(op->count, rank, size, g.localSize, &op->seg, &op->error);
      if (rc != MPI_SUCCESS) { op->failed = true; op->error = mpiError("sharedBuffer", rc); }
#else
      op->error = "no shared memory on this system";
#endif
      return;
    }
    case kAllReduceShared:
      t0 = MPI_Wtime();
#ifdef NEURITE_SHM
      if (!sharedAllReduce(op->seg, op->buf, op->count, op->scale, 0, op->gen, op->stage, &op->error)) op->failed = true;
#endif
      break;
    case kAllReduceSmall:
      t0 = MPI_Wtime();
#ifdef NEURITE_SHM
      // queued behind other collectives (put it now), or handed off by the calling thread (the peers
      // were late: sleep at once, the calling thread spun already)
      if (!op->announced) smallPut(op->seg, op->gen, op->buf, op->count, op->scale);
      if (waitAll(op->seg, op->gen + 1, &op->error, op->announced ? 0 : 20e-6)) smallReduce(op->seg, op->gen, op->buf, op->count, op->reduce);
      else op->failed = true;
#endif
      break;
    case kAllReduce: {
      t0 = MPI_Wtime();
#ifdef NEURITE_SHM
      if (staging != nullptr) {  // every rank on this host
        if (!stagedAllReduce(op)) op->failed = true;
        break;
      }
#endif
      prescale(op->buf, op->count, op->scale);
      bool large = op->count * 4 > kRendezvousBytes;
      if (large) rc = rendezvous();
      if (large && rc == MPI_SUCCESS && useExchange(g.size, g.localSize)) {
        rc = exchangeAllReduce(op->buf, op->count, op->reduce);
        if (rc != MPI_SUCCESS) { op->failed = true; op->error = mpiError("the 2-rank exchange (MPI_Isend/MPI_Irecv)", rc); }
        break;
      }
      for (int64_t off = 0; off < op->count && rc == MPI_SUCCESS; off += kChunk) {
        int n = static_cast<int>(std::min(kChunk, op->count - off));
        if (large && !kLargePoll) {
          rc = MPI_Allreduce(MPI_IN_PLACE, op->buf + off, n, MPI_FLOAT, reduceOp(op->reduce), MPI_COMM_WORLD);
          continue;
        }
        MPI_Request req;
        rc = MPI_Iallreduce(MPI_IN_PLACE, op->buf + off, n, MPI_FLOAT, reduceOp(op->reduce), MPI_COMM_WORLD, &req);
        if (rc == MPI_SUCCESS) rc = waitPolite(&req, !large);
      }
      if (rc != MPI_SUCCESS) { op->failed = true; op->error = mpiError("MPI_Allreduce", rc); }
      break;
    }
    case kBroadcast:
      t0 = MPI_Wtime();
      if (op->count * 4 > kRendezvousBytes) rc = rendezvous();
      for (int64_t off = 0; off < op->count && rc == MPI_SUCCESS; off += kChunk) {
        int n = static_cast<int>(std::min(kChunk, op->count - off));
        MPI_Request req;
        rc = MPI_Ibcast(op->buf + off, n, MPI_FLOAT, op->root, MPI_COMM_WORLD, &req);
        if (rc == MPI_SUCCESS) rc = waitPolite(&req, op->count * 4 <= kRendezvousBytes);
      }
      if (rc != MPI_SUCCESS) { op->failed = true; op->error = mpiError("MPI_Ibcast", rc); }
      break;
    case kAllGather:
      t0 = MPI_Wtime();
      if (op->count > INT32_MAX) { op->failed = true; op->error = "allGather: more than 2^31-1 elements per rank"; break; }
      if (op->count * 4 > kRendezvousBytes) rc = rendezvous();
      if (rc == MPI_SUCCESS) {
        MPI_Request req;
        rc = MPI_Iallgather(op->buf, static_cast<int>(op->count), MPI_FLOAT, op->out, static_cast<int>(op->count),
                            MPI_FLOAT, MPI_COMM_WORLD, &req);
        if (rc == MPI_SUCCESS) rc = waitPolite(&req, op->count * 4 <= kRendezvousBytes);
      }
      if (rc != MPI_SUCCESS) { op->failed = true; op->error = mpiError("MPI_Iallgather", rc); }
      break;
    case kBarrier:
      t0 = MPI_Wtime();
      {
        MPI_Request req;
        rc = MPI_Ibarrier(MPI_COMM_WORLD, &req);
        if (rc == MPI_SUCCESS) rc = waitPolite(&req, true);
      }
      if (rc != MPI_SUCCESS) { op->failed = true; op->error = mpiError("MPI_Ibarrier", rc); }
      break;
    case kFinalize:
#ifdef NEURITE_SHM
      freeStaging();
#endif
      rc = MPI_Finalize();
      if (rc != MPI_SUCCESS) { op->failed = true; op->error = mpiError("MPI_Finalize", rc); }
      return;
  }
  op->seconds = MPI_Wtime() - t0;
}

// A batch of finished operations, settled in one call on the main thread: operations queued
// back to back run back to back, and their promises settle together when the queue runs dry
// (or before an operation that may take long: a barrier, or a collective over kRendezvousBytes).
bool quick(const Op* op) {
  return (op->kind == kAllReduce || op->kind == kBroadcast || op->kind == kAllGather || (op->kind == kAllReduceSmall && !op->announced)) &&
         op->count * 4 <= kRendezvousBytes;
}
using Batch = std::vector<Op*>;
constexpr size_t kMaxBatch = 256;

void commLoop() {
#ifdef __linux__
  pthread_setname_np(pthread_self(), "neurite-mpi");  // visible in top -H
  prctl(PR_SET_TIMERSLACK, 1000UL);  // 1 us: sleepy waits wake when asked (default slack 50 us)
#endif
  Batch* done = new Batch;
  for (;;) {
    Op* op;
    {
      std::unique_lock<std::mutex> lk(g.mu);
      if (!done->empty() && (g.queue.empty() || !quick(g.queue.front()))) {
        // nothing quick to run next: settle what finished, in one main-thread call
        lk.unlock();
        napi_call_threadsafe_function(g.tsfn, done, napi_tsfn_blocking);
        done = new Batch;
        lk.lock();
      }
      g.cv.wait(lk, [] { return !g.queue.empty(); });
      op = g.queue.front();
      g.queue.pop_front();
    }
    run(op);
    bool last = op->kind == kFinalize || (op->kind == kInit && op->failed);
    if (op->deferred != nullptr) done->push_back(op);
    else delete op;  // shutdown()'s finalize: nobody awaits it
    if (done->size() >= kMaxBatch || (last && !done->empty())) {
      napi_call_threadsafe_function(g.tsfn, done, napi_tsfn_blocking);
      done = new Batch;
    }
    if (last) {
      delete done;
      std::lock_guard<std::mutex> lk(g.mu);
      g.exited = true;
      g.cv.notify_all();
      return;
    }
  }
}

napi_value makeInt(napi_env env, int v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

void setProp(napi_env env, napi_value o, const char* k, napi_value v) { napi_set_named_property(env, o, k, v); }

// A segment's own part as a Float32Array over an external ArrayBuffer (null for none); when GC
// collects it, the mapping goes (peers keep theirs). Main thread.
void unmapSegment(napi_env, void*, void* hint) {
  Segment* s = static_cast<Segment*>(hint);
  segments.erase(std::remove(segments.begin(), segments.end(), s), segments.end());
#ifdef NEURITE_SHM
  munmap(s->base, s->bytes);
#endif
  delete s;
}
napi_value sharedArray(napi_env env, Segment* s) {
  napi_value v, ab;
  if (s == nullptr) { napi_get_null(env, &v); return v; }
  if (napi_create_external_arraybuffer(env, s->buf(s->me), static_cast<size_t>(s->count) * 4, unmapSegment, s, &ab) != napi_ok) {
    unmapSegment(env, nullptr, s);
    napi_get_null(env, &v);
    return v;
  }
  segments.push_back(s);
  napi_create_typedarray(env, napi_float32_array, static_cast<size_t>(s->count), ab, 0, &v);
  return v;
}

// Runs on the main thread for each finished operation: settle its promise.
void settle(napi_env env, Op* op) {
  if (env != nullptr) {
    for (napi_ref& r : op->keep) if (r != nullptr) napi_delete_reference(env, r);
    if (--g.pending == 0 && g.tsfn != nullptr) napi_unref_threadsafe_function(env, g.tsfn);
    napi_value v;
    if (op->failed) {
      napi_value msg;
      napi_create_string_utf8(env, op->error.c_str(), NAPI_AUTO_LENGTH, &msg);
      napi_create_error(env, nullptr, msg, &v);
      napi_reject_deferred(env, op->deferred, v);
    } else {
      if (op->kind == kInit) {
        napi_create_object(env, &v);
        setProp(env, v, "rank", makeInt(env, op->rank));
        setProp(env, v, "worldSize", makeInt(env, op->size));
        setProp(env, v, "localRank", makeInt(env, op->localRank));
        setProp(env, v, "localSize", makeInt(env, op->localSize));
        napi_value lvl;
        napi_create_string_utf8(env, threadLevelName(op->threadLevel), NAPI_AUTO_LENGTH, &lvl);
        setProp(env, v, "threadLevel", lvl);
        napi_value shm;
        napi_get_boolean(env, op->seg != nullptr, &shm);
        setProp(env, v, "sharedMemory", shm);
        g.size = op->size;
        g.ready = true;
        small = op->seg;
      } else if (op->kind == kSharedAlloc) {
        v = sharedArray(env, op->seg);
      } else {
        napi_create_double(env, op->seconds, &v);
      }
      napi_resolve_deferred(env, op->deferred, v);
    }
    if (op->kind == kFinalize || (op->kind == kInit && op->failed)) {
      if (g.comm.joinable()) g.comm.join();
      napi_release_threadsafe_function(g.tsfn, napi_tsfn_release);
      g.tsfn = nullptr;
    }
  }
  delete op;
}

// Runs on the main thread for each batch of finished operations, in the order they ran.
void complete(napi_env env, napi_value, void*, void* data) {
  Batch* b = static_cast<Batch*>(data);
  for (Op* op : *b) settle(env, op);
  delete b;
}

void throwJs(napi_env env, bool range, const std::string& m) {
  if (range) napi_throw_range_error(env, nullptr, m.c_str());
  else napi_throw_type_error(env, nullptr, m.c_str());
}

template <class F>
napi_value guarded(napi_env env, F&& f) {
  try {
    return f();
  } catch (const ArgError& e) {
    throwJs(env, e.range, e.msg);
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

// op's promise (op->deferred), or a thrown TypeError (op deleted).
napi_value promiseFor(Args& a, Op* op) {
  napi_value promise;
  if (napi_create_promise(a.env(), &op->deferred, &promise) != napi_ok) { delete op; a.type_error("cannot create a promise"); }
  return promise;
}
// Queue op, whose promise is made; `keep` are the arrays the op reads or writes.
void submit(napi_env env, Op* op, napi_value keep0, napi_value keep1) {
  if (keep0 != nullptr) napi_create_reference(env, keep0, 1, &op->keep[0]);
  if (keep1 != nullptr) napi_create_reference(env, keep1, 1, &op->keep[1]);
  if (g.pending++ == 0) napi_ref_threadsafe_function(env, g.tsfn);
  {
    std::lock_guard<std::mutex> lk(g.mu);
    g.queue.push_back(op);
  }
  g.cv.notify_all();
}
// Queue op and return its promise; `keep` are the arrays the op reads or writes.
napi_value enqueue(Args& a, Op* op, napi_value keep0, napi_value keep1) {
  napi_value promise = promiseFor(a, op);
  submit(a.env(), op, keep0, keep1);
  return promise;
}

// The process group is usable from the environment that made it, between init and finalize.
void needReady(Args& a) {
  if (!g.started || (!g.ready && !g.stopping)) a.type_error("the process group is not initialized (await distributed.init() first)");
  if (g.stopping) a.type_error("the process group was destroyed");
  if (a.env() != g.env) a.type_error("the process group belongs to another thread (use it where distributed.init() ran)");
}

napi_value argv(napi_env env, napi_callback_info info, size_t i) {
  size_t n = 4;
  napi_value v[4];
  napi_get_cb_info(env, info, &n, v, nullptr, nullptr);
  return v[i];
}

void cleanupHook(void*);
void shutdown();

napi_value Init(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    Args a(env, info, "init", 0);
    if (g.started) a.type_error(g.finalized || g.stopping ? "MPI was finalized in this process; it cannot start again (an MPI rule)"
                                                          : "already initialized in this process");
    napi_value name;
    napi_create_string_utf8(env, "neurite-mpi", NAPI_AUTO_LENGTH, &name);
    if (napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, nullptr, complete, &g.tsfn) != napi_ok)
      a.type_error("cannot create the completion channel");
    napi_unref_threadsafe_function(env, g.tsfn);
    g.env = env;
    g.started = true;
    napi_add_env_cleanup_hook(env, cleanupHook, nullptr);
    std::atexit(shutdown);  // process.exit() may skip the environment's cleanup hooks
    Op* op = new Op{kInit};
    napi_value p = enqueue(a, op, nullptr, nullptr);
    g.comm = std::thread(commLoop);
    return p;
  });
}

// A new operation over one checked buffer.
Op* bufferOp(Kind kind, const F32& buf) {
  Op* o = new Op{kind};
  o->buf = buf.data;
  o->count = buf.len;
  return o;
}

#ifdef NEURITE_SHM
// allReduce of up to kSmallFloats values over the small-message channel (see there): on this
// thread when nothing is queued and the peers arrive within kFastSpinSeconds (then the result is
// the seconds it waited for them, a number, not a promise: nothing is pending; 0 when they were
// there already, which saves reading the clock), else a promise settled by the communication thread.
napi_value smallAllReduce(Args& a, const F32& buf, int reduce, double scale, napi_callback_info info) {
  napi_env env = a.env();
  Op* o = bufferOp(kAllReduceSmall, buf);
  o->reduce = reduce;
  o->scale = scale;
  o->seg = small;
  o->gen = smallNext++;
  if (g.pending == 0) {
    smallPut(small, o->gen, buf.data, buf.len, scale);
    double waited = 0;
    bool there = allThere(small, o->gen + 1);
    if (!there) {
      double t0 = now();
      for (int i = 1; !(there = allThere(small, o->gen + 1)); i++) {
        cpuRelax();
        if ((i & 15) == 0 && now() - t0 >= kFastSpinSeconds) break;
      }
      waited = now() - t0;
    }
    if (there) {
      smallReduce(small, o->gen, buf.data, buf.len, reduce);
      delete o;
      smallFast++;
      napi_value v;
      napi_create_double(env, waited, &v);
      return v;
    }
    o->announced = true;
  }
  napi_value promise;
  if (napi_create_promise(env, &o->deferred, &promise) != napi_ok) {
    if (!o->announced) { smallNext--; delete o; a.type_error("cannot create a promise"); }
    // the peers wait for this collective: finish it here (blocking) rather than leave them hanging
    std::string err;
    bool ok = waitAll(small, o->gen + 1, &err);
    if (ok) smallReduce(small, o->gen, buf.data, buf.len, reduce);
    delete o;
    a.type_error(ok ? "cannot create a promise (the all-reduce finished in place)" : err);
  }
  if (o->announced) smallHandedOff++;
  else smallQueued++;
  submit(env, o, argv(env, info, 0), nullptr);
  return promise;
}
#endif

napi_value AllReduce(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    Args a(env, info, "allReduce", 3);
    F32 buf = a.f32(0, "buffer");
    int op = a.id(1, "op", kNumReduceOps);
    double scale = a.finite(2, "scale");
    needReady(a);
#ifdef NEURITE_SHM
    if (small != nullptr && buf.len <= kSmallFloats) return smallAllReduce(a, buf, op, scale, info);
#endif
    Op* o = bufferOp(kAllReduce, buf);
    o->reduce = op;
    o->scale = scale;
    return enqueue(a, o, argv(env, info, 0), nullptr);
  });
}

// sharedBuffer(count): collective (every rank, same order, same count) -> a Float32Array of count
// zeros in shared memory, or null where the ranks do not all share one host (or
// NEURITE_MPI_SHM=off on some rank, or the memory could not be had).
napi_value SharedBuffer(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    Args a(env, info, "sharedBuffer", 1);
    int64_t count = a.integer(0, "count", 1);
    if (count > (int64_t(1) << 36)) a.range_error("count must be at most 2^36 elements, got " + std::to_string(count));
    needReady(a);
    Op* o = new Op{kSharedAlloc};
    o->count = count;
    return enqueue(a, o, nullptr, nullptr);
  });
}

#ifdef NEURITE_SHM
// allReduceShared on the calling thread (block-claimed segments, nothing queued; opt-in, NEURITE_MPI_SHM_FAST=on):
// announce, and when every peer arrives within kSharedArriveSpin (the last rank to arrive: the others are waiting
// for it), draw and reduce blocks here until none is left, then wait up to kSharedDoneSpin for the blocks the peers
// hold: the collective is done without waking this rank's communication thread nor, to settle a promise, this
// thread. Otherwise the rest goes to the communication thread (`stage`), which sleeps while it waits.
// NEURITE_MPI_SHM_ARRIVE_US, NEURITE_MPI_SHM_DONE_US: the spins. Off by default: measured on 2 vCPUs (session 9,
// bench/RESULTS.md), it was level with the communication thread on a quiet machine and lost 40-50% of the 2-rank
// samples/s whenever other processes loaded the cores (load 4-8 in three runs); by default the collective
// goes to the communication thread, as every other one.
const char* kSharedFastEnv = std::getenv("NEURITE_MPI_SHM_FAST");
bool kSharedFastOn = kSharedFastEnv != nullptr && (std::strcmp(kSharedFastEnv, "on") == 0 || std::strcmp(kSharedFastEnv, "1") == 0);
double envUs(const char* name, double dflt) { const char* e = std::getenv(name); return e ? std::max(0.0, std::atof(e)) * 1e-6 : dflt; }
double kSharedArriveSpin = envUs("NEURITE_MPI_SHM_ARRIVE_US", 20e-6), kSharedDoneSpin = envUs("NEURITE_MPI_SHM_DONE_US", 50e-6);
// main thread: how the shared all-reduces ran (info().shared): finished on the calling thread, handed off, queued
double sharedFast = 0, sharedHandedOff = 0, sharedQueued = 0;

// Spin until f() or `spin` seconds passed; whether f() held.
template <class F>
bool spinFor(F&& f, double spin) {
  if (f()) return true;
  double t0 = now();
  for (int i = 1; !f(); i++) {
    cpuRelax();
    if ((i & 15) == 0 && now() - t0 >= spin) return f();
  }
  return true;
}
// The stage the calling thread reached (see sharedAllReduce); 3: done.
int sharedFastPath(Segment* s, float* buf, int64_t count, double scale, uint32_t g) {
  announce(s, g + 1);
  if (!spinFor([&] { return allThere(s, g + 1); }, kSharedArriveSpin)) return 1;
  claimBlocks(s, buf - s->buf(s->me), count, scale, 0, g);
  Counter* d = &s->shared()->done[g & 1];
  uint32_t nb = blocksOf(s, count);
  return spinFor([&] { return d->v.load(std::memory_order_acquire) >= nb; }, kSharedDoneSpin) ? 3 : 2;
}
#endif

// allReduceShared(buf, scale): sum over ranks, each rank's values times scale first, in place;
// buf lies in one of sharedBuffer's arrays (the same range of it on every rank). The seconds it took: a
// number when it finished on the calling thread (sharedFastPath, opt-in), else a promise.
napi_value AllReduceShared(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    Args a(env, info, "allReduceShared", 2);
    F32 buf = a.f32(0, "buffer");
    double scale = a.finite(1, "scale");
    needReady(a);
    Segment* seg = nullptr;
    for (Segment* s : segments) {
      float* p = s->buf(s->me);
      if (buf.data >= p && buf.data + buf.len <= p + s->count && buf.len > 0) { seg = s; break; }
    }
    if (seg == nullptr) a.type_error("buffer must be a non-empty part of a sharedBuffer() array");
    Op* o = bufferOp(kAllReduceShared, buf);
    o->scale = scale;
    o->seg = seg;
    // its number on the segment, in call order (the communication thread runs queued ones in that order)
    o->gen = takePhases(seg);
#ifdef NEURITE_SHM
    if (seg->claim && g.pending == 0 && kSharedFastOn) {
      double t0 = now();
      o->stage = sharedFastPath(seg, buf.data, buf.len, scale, o->gen);
      if (o->stage == 3) {
        delete o;
        sharedFast++;
        napi_value v;
        napi_create_double(env, now() - t0, &v);
        return v;
      }
      sharedHandedOff++;
    } else sharedQueued++;
    napi_value promise;
    if (napi_create_promise(env, &o->deferred, &promise) != napi_ok) {
      if (o->stage == 0) { seg->gen = o->gen; delete o; a.type_error("cannot create a promise"); }
      // the peers wait for this collective: finish it here (blocking) rather than leave them hanging
      std::string err;
      bool ok = sharedAllReduce(seg, buf.data, buf.len, scale, 0, o->gen, o->stage, &err);
      delete o;
      a.type_error(ok ? "cannot create a promise (the all-reduce finished in place)" : err);
    }
    submit(env, o, argv(env, info, 0), nullptr);
    return promise;
#else
    return enqueue(a, o, argv(env, info, 0), nullptr);
#endif
  });
}

napi_value Broadcast(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    Args a(env, info, "broadcast", 2);
    F32 buf = a.f32(0, "buffer");
    int64_t root = a.integer(1, "root", 0);
    needReady(a);
    if (root >= g.size) a.range_error("root " + std::to_string(root) + " is not a rank (world size " + std::to_string(g.size) + ")");
    Op* o = bufferOp(kBroadcast, buf);
    o->root = static_cast<int>(root);
    return enqueue(a, o, argv(env, info, 0), nullptr);
  });
}

napi_value AllGather(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    Args a(env, info, "allGather", 2);
    F32 in = a.f32(0, "input");
    F32 out = a.f32(1, "output");
    needReady(a);
    int64_t want = a.mul(in.len, g.size, "input length x world size");
    if (out.len != want)
      a.range_error("output has " + std::to_string(out.len) + " elements, needs input length x world size = " + std::to_string(want));
    a.no_overlap(out, out.len, "output", in, in.len, "input");
    Op* o = bufferOp(kAllGather, in);
    o->out = out.data;
    return enqueue(a, o, argv(env, info, 0), argv(env, info, 1));
  });
}

napi_value Barrier(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    Args a(env, info, "barrier", 0);
    needReady(a);
    return enqueue(a, new Op{kBarrier}, nullptr, nullptr);
  });
}

napi_value Finalize(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    Args a(env, info, "finalize", 0);
    needReady(a);
    napi_value p = enqueue(a, new Op{kFinalize}, nullptr, nullptr);
    g.stopping = true;
    return p;
  });
}

// The environment is going away (process exit) with MPI still up: finalize on the
// communication thread, so the launcher sees a clean exit. When a collective is still running
// (a peer is gone, say), do not wait for it: let the process exit and the launcher report it.
void shutdown() {
  if (!g.started || g.stopping || !g.comm.joinable()) return;
  g.stopping = true;
  std::unique_lock<std::mutex> lk(g.mu);
  if (g.pending > 0 || !g.queue.empty()) { lk.unlock(); g.comm.detach(); return; }
  g.queue.push_back(new Op{kFinalize});
  g.cv.notify_all();
  bool done = g.cv.wait_for(lk, std::chrono::seconds(5), [] { return g.exited; });
  lk.unlock();
  if (done) g.comm.join();
  else g.comm.detach();
}
void cleanupHook(void*) { shutdown(); }

napi_value Info(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    Args a(env, info, "info", 0);
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int n = 0;
    MPI_Get_library_version(lib, &n);  // callable before MPI_Init
    napi_value o, s, b;
    napi_create_object(env, &o);
    napi_create_string_utf8(env, lib, static_cast<size_t>(n), &s);
    setProp(env, o, "library", s);
    napi_get_boolean(env, g.started && !g.stopping, &b);
    setProp(env, o, "initialized", b);
#if defined(__SANITIZE_ADDRESS__)
    napi_get_boolean(env, true, &b);  // the ASan+UBSan build (test:sanitize)
#else
    napi_get_boolean(env, false, &b);
#endif
    setProp(env, o, "sanitized", b);
    napi_value x;
    napi_create_double(env, static_cast<double>(exchanges.load()), &x);
    setProp(env, o, "exchanges", x);
#ifdef NEURITE_SHM
    // {name: number} objects of counters
    auto counters = [&](std::initializer_list<std::pair<const char*, double>> kv) {
      napi_value obj, x;
      napi_create_object(env, &obj);
      for (const auto& [k, v] : kv) { napi_create_double(env, v, &x); setProp(env, obj, k, x); }
      return obj;
    };
    setProp(env, o, "small", counters({{"fast", smallFast}, {"handedOff", smallHandedOff}, {"queued", smallQueued}}));
    setProp(env, o, "shared", counters({{"collectives", static_cast<double>(sharedColls.load())}, {"blocks", static_cast<double>(sharedBlocks.load())},
      {"reduced", static_cast<double>(sharedMine.load())}, {"fast", sharedFast}, {"handedOff", sharedHandedOff}, {"queued", sharedQueued}}));
    setProp(env, o, "staged", counters({{"collectives", static_cast<double>(stagedColls.load())}, {"pieces", static_cast<double>(stagedPieces.load())},
      {"pieceFloats", static_cast<double>(kPieceFloats)}}));
#endif
    return o;
  });
}

napi_value Register(napi_env env, napi_value exports) {
  struct { const char* name; napi_callback cb; } fns[] = {
      {"init", Init}, {"allReduce", AllReduce}, {"broadcast", Broadcast}, {"allGather", AllGather},
      {"barrier", Barrier}, {"finalize", Finalize}, {"info", Info}, {"sharedBuffer", SharedBuffer},
      {"allReduceShared", AllReduceShared},
  };
  for (auto& f : fns) {
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fn);
    napi_set_named_property(env, exports, f.name, fn);
  }
  return exports;
}

}  // namespace neurite_mpi

NAPI_MODULE(neurite_mpi, neurite_mpi::Register)
