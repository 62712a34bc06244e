// Transparent huge pages for fresh tensor memory (Linux + glibc only; elsewhere every function
// here is a no-op): the addon marks the malloc heap (and large buffers outside it) with
// madvise(MADV_HUGEPAGE) before a kernel first writes there, so the first touch of a fresh
// output costs one page fault per 2 MB instead of 512 (on the AMD Zen 5 VM of session 8 a 4 KiB
// fault costs ~11 us; bench/RESULTS.md, "Session 8: huge pages for fresh buffers").
//
// How: outputs are malloc'd by Node before the entry is called but not yet touched. Every array
// argument an entry checks (args.h) passes through Fresh(): it compares glibc's cached heap break
// (sbrk(0): a load, no system call) with the break last advised; when the heap has grown it
// advises the grown part once. glibc writes the new top chunk's header right after the block it
// carves, i.e. into the grown part before anyone can advise it, and that 2 MB block then stays in
// 4 KiB pages: so at load the heap's top pad is raised to 64 MB (one such block per 64 MB of
// growth, and one more VMA) and the heap is grown by it at once, the header landing next to the
// old break. A worker thread's arena (outside the brk heap: fit() trains in a worker by default)
// is advised as a whole 64 MB heap once it is recognised (advise_arena); a buffer of 4 MB or more
// elsewhere (glibc's mmap'd chunks from 32 MB up, tensors made before the addon loaded) gets its
// page-aligned interior advised: mmap'd chunks every time (each is a fresh mapping), smaller ones
// once (a small cache of advised ranges).
// Steady state: one sbrk(0) and one relaxed atomic load per array argument, no system call.
// Costs: memory is resident in 2 MB units where touched (at most one partly used 2 MB block at
// the heap's top, plus what khugepaged collapses), and khugepaged may collapse the heap's older
// 4 KiB pages in the background. Off with NEURITE_MALLOC=default (with the rest of the malloc
// tuning) or NEURITE_MALLOC=no-thp (thresholds tuned, no huge pages), when the kernel's THP
// setting is 'never', when the process has THP disabled (prctl), and whenever the malloc tuning
// itself is off (ASan, the user's own glibc tunables). The status is part of info().malloc.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#define NEURITE_HUGEPAGES 1
#endif

namespace neurite_addon {
namespace huge {

constexpr size_t kMinBuffer = size_t(4) << 20;   // holds a whole aligned 2 MB block wherever it starts
constexpr size_t kMmapChunk = size_t(32) << 20;  // addon.cc MallocTuning's M_MMAP_THRESHOLD
constexpr int kTopPad = 64 << 20;                // M_TOP_PAD while huge pages are on
constexpr int kRecent = 16;                      // advised out-of-heap ranges remembered
// A thread's malloc arena (worker_threads, so fit()'s default worker) lives in heaps of glibc's
// HEAP_MAX_SIZE (64 MB on 64-bit), each aligned to its size, reserved PROT_NONE and opened with
// mprotect as it grows: advising the whole reservation once covers all its future memory.
constexpr uintptr_t kArena = uintptr_t(64) << 20;
constexpr size_t kMinArenaBuffer = size_t(64) << 10;  // lib/ops/util.ts outputArray's malloc'd class
constexpr int kWindows = 32;                          // 64 MB windows already judged
constexpr int kMaxMapsReads = 256;                    // /proc/self/maps reads, then no more judging

struct State {
  std::atomic<bool> on{false};
  std::atomic<uintptr_t> brk{0};  // the heap break as last advised
  uintptr_t heap_lo = 0;          // start of the brk heap ([heap] in /proc/self/maps)
  std::mutex mu;                  // slow paths (entries run on every worker thread's JS thread)
  uintptr_t recent[kRecent][2] = {};
  int next = 0;
  std::atomic<uintptr_t> windows[kWindows] = {};  // judged 64 MB windows (base | 1 when an arena heap)
  int wnext = 0, maps_reads = 0;
  std::atomic<unsigned long> advises{0};  // madvise calls made (tests, bench)
  const char* mode = "";                  // the kernel's THP mode, once read
};

inline State& state() {
  static State s;
  return s;
}

#if defined(NEURITE_HUGEPAGES)
inline uintptr_t page_size() {
  static const uintptr_t p = uintptr_t(sysconf(_SC_PAGESIZE));
  return p;
}

inline void advise(uintptr_t lo, uintptr_t hi) {
  if (hi <= lo) return;
  madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);  // EINVAL/ENOMEM: placement only
  state().advises.fetch_add(1, std::memory_order_relaxed);
}

// The kernel's THP mode: "always", "madvise", "never", or nullptr when it has none.
inline const char* thp_mode() {
  FILE* f = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  if (f == nullptr) return nullptr;
  char buf[128] = {};
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  if (std::strstr(buf, "[always]") != nullptr) return "always";
  if (std::strstr(buf, "[madvise]") != nullptr) return "madvise";
  if (std::strstr(buf, "[never]") != nullptr) return "never";
  return nullptr;
}

inline uintptr_t heap_start() {
  FILE* f = std::fopen("/proc/self/maps", "r");
  if (f == nullptr) return 0;
  char line[512];
  uintptr_t lo = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strstr(line, "[heap]") != nullptr) {
      unsigned long a = 0;
      if (std::sscanf(line, "%lx-", &a) == 1) lo = a;
      break;
    }
  }
  std::fclose(f);
  return lo;
}

// The grown part of the heap, once (a trimmed heap is advised again as it regrows).
inline void advise_heap(uintptr_t brk) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  const uintptr_t old = s.brk.load(std::memory_order_relaxed);
  if (brk > old) advise(old & ~(page_size() - 1), (brk + page_size() - 1) & ~(page_size() - 1));
  s.brk.store(brk, std::memory_order_relaxed);
}

inline bool strict_overcommit() {
  FILE* f = std::fopen("/proc/sys/vm/overcommit_memory", "r");
  if (f == nullptr) return true;
  int mode = 2;
  if (std::fscanf(f, "%d", &mode) != 1) mode = 2;
  std::fclose(f);
  return mode == 2;
}

// Whether [base, base + 64 MB) is a glibc arena heap holding address a: /proc/self/maps covers it
// with anonymous mappings, read-write from base on, then (the reservation not yet opened) no access
// to its end, and the heap_info at base (glibc 2.26+: ar_ptr, prev, size, mprotect_size) agrees with
// them. The read-write part may continue past either end: glibc places an arena's next heap wherever
// mmap puts it, often right after (or before) a full one, and the kernel then merges the two
// read-write parts into one mapping (a worker's arena that filled its first 64 MB before its first
// large kernel call was judged "not a heap" for that, and filled in 4 KiB pages: session 10, fitgap).
inline bool is_arena_heap(uintptr_t base, uintptr_t a, uintptr_t* rw_end_out) {
  FILE* f = std::fopen("/proc/self/maps", "r");
  if (f == nullptr) return false;
  char line[512];
  uintptr_t covered = base, rw_end = base;
  bool ok = true, rw_run = true;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    unsigned long lo = 0, hi = 0, off = 0, inode = 0;
    unsigned dmaj = 0, dmin = 0;
    char perms[8] = {};
    int n = 0;
    if (std::sscanf(line, "%lx-%lx %7s %lx %x:%x %lu%n", &lo, &hi, perms, &off, &dmaj, &dmin, &inode, &n) < 7) continue;
    if (hi <= base) continue;
    if (lo >= base + kArena) break;
    const char* rest = line + n;
    rest += std::strspn(rest, " \t\n");
    const bool rw = std::strncmp(perms, "rw-p", 4) == 0, none = std::strncmp(perms, "---p", 4) == 0;
    // the read-write run starts at or before base; a mapping reaching past the end must be the last
    if ((lo < base && !rw) || (lo > base && lo != covered) || inode != 0 || *rest != 0 || (!rw && !none)) { ok = false; break; }
    if (rw_run && rw) rw_end = hi < base + kArena ? hi : base + kArena;
    else if (rw) { ok = false; break; }  // read-write again after the no-access part: not one heap
    else rw_run = false;
    covered = hi;
  }
  std::fclose(f);
  if (!ok || covered < base + kArena || rw_end == base || a >= rw_end) return false;
  const size_t* h = reinterpret_cast<const size_t*>(base);  // readable: the rw-p run covers base
  const uintptr_t ar = h[0], prev = h[1];
  const size_t size = h[2], mprotect_size = h[3];
  // and the heap is linked as glibc links them: an arena's first heap has no previous one and its
  // malloc_state right after the header (heap_info is 32-48 bytes); a later heap points to the
  // arena's previous heap, another 64 MB-aligned window. With a read-write run that may begin
  // before base, this keeps a large buffer that happens to hold small numbers at a 64 MB boundary
  // from passing for a heap (whose no-access tail would then be opened below).
  const bool linked = prev == 0 ? ar > base && ar <= base + 128 : (prev & (kArena - 1)) == 0 && prev != base && ar != 0;
  *rw_end_out = rw_end;
  return linked && size <= mprotect_size && mprotect_size <= kArena && base + mprotect_size <= rw_end;
}

// An out-of-heap buffer: advise its whole 64 MB window once if that is a thread arena's heap.
// Returns whether the window is an arena heap (then the buffer needs nothing more).
inline bool advise_arena(uintptr_t a) {
  State& s = state();
  const uintptr_t base = a & ~(kArena - 1);
  for (const auto& w : s.windows) {
    const uintptr_t v = w.load(std::memory_order_relaxed);
    if ((v & ~uintptr_t(1)) == base && v != 0) return (v & 1) != 0;
  }
  std::lock_guard<std::mutex> lock(s.mu);
  for (const auto& w : s.windows) {
    const uintptr_t v = w.load(std::memory_order_relaxed);
    if ((v & ~uintptr_t(1)) == base && v != 0) return (v & 1) != 0;
  }
  if (s.maps_reads >= kMaxMapsReads) return false;
  s.maps_reads++;
  uintptr_t rw_end = 0;
  const bool arena = is_arena_heap(base, a, &rw_end);
  if (arena) {
    advise(base, base + kArena);
    // glibc opens the heap with mprotect as it grows, page by page, and writes the new top's
    // header at its end: the 2 MB block there straddles the read-write part's end, so it is
    // faulted in 4 KiB pages, and so is every block in turn. Opened now in full (one VMA; the
    // reservation is MAP_NORESERVE, so no commit charge and no memory until touched; glibc's
    // own later mprotect calls change nothing), the blocks fault as huge pages. Not under
    // strict overcommit (vm.overcommit_memory=2), where glibc sizes its heaps by commit.
    if (rw_end < base + kArena && !strict_overcommit())
      mprotect(reinterpret_cast<void*>(rw_end), base + kArena - rw_end, PROT_READ | PROT_WRITE);
  }
  s.windows[s.wnext].store(base | (arena ? 1 : 0), std::memory_order_relaxed);
  s.wnext = (s.wnext + 1) % kWindows;
  return arena;
}

inline void advise_buffer(uintptr_t a, size_t bytes) {
  const uintptr_t ps = page_size();
  const uintptr_t lo = (a + ps - 1) & ~(ps - 1), hi = (a + bytes) & ~(ps - 1);
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  if (bytes < kMmapChunk) {  // an arena's buffer: its memory stays mapped, advise once
    for (const auto& r : s.recent)
      if (r[0] <= lo && hi <= r[1]) return;
    s.recent[s.next][0] = lo;
    s.recent[s.next][1] = hi;
    s.next = (s.next + 1) % kRecent;
  }
  advise(lo, hi);
}
#endif

// At load, after the malloc tuning succeeded: nullptr when huge pages are now on, else why not.
inline const char* Enable() {
#if defined(NEURITE_HUGEPAGES)
  const char* mode = thp_mode();
  if (mode == nullptr) return "no transparent huge pages in this kernel";
  state().mode = mode;
  if (std::strcmp(mode, "never") == 0) return "THP 'never'";
  if (prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1) return "THP disabled for this process";
  if (mallopt(M_TOP_PAD, kTopPad) != 1) return "mallopt refused";
  State& s = state();
  s.heap_lo = heap_start();
  const uintptr_t brk0 = reinterpret_cast<uintptr_t>(sbrk(0));
  if (s.heap_lo == 0 || s.heap_lo > brk0) s.heap_lo = brk0;
  s.brk.store(brk0, std::memory_order_relaxed);  // the heap Node built before the addon loaded stays as it is
  // Grow the heap now by the top pad, and give it back (it stays: the trim threshold is 128 MB),
  // so the first outputs come out of advised memory; else the first growth would happen in a
  // kernel call, and a 2 MB block of it touched by malloc before it could be advised. The
  // request is the free top (mallinfo2's keepcost) and a little more, so the only byte malloc
  // writes in the new part (the next top's header) sits right at the old break, in the 2 MB
  // block the old heap already touched.
#if __GLIBC_PREREQ(2, 33)
  // (a free chunk elsewhere may serve such a request instead of the top: then hold it and ask again)
  void* held[8] = {};
  for (int i = 0; i < 8 && reinterpret_cast<uintptr_t>(sbrk(0)) == brk0; i++) {
    const size_t top = mallinfo2().keepcost;
    if (top + 64 >= kMmapChunk) break;
    held[i] = std::malloc(top + 64);
    asm volatile("" : : "r"(held[i]) : "memory");  // keep the pair: the compiler may drop an unused malloc
  }
  for (void* p : held) std::free(p);
#endif
  advise_heap(reinterpret_cast<uintptr_t>(sbrk(0)));
  s.on.store(true, std::memory_order_release);
  return nullptr;
#else
  return "not Linux with glibc";
#endif
}

// `bytes` at `p` are about to be read or written by a kernel: advise the heap's growth since the
// last call, and a large buffer outside the heap.
inline void Fresh(const void* p, size_t bytes) {
#if defined(NEURITE_HUGEPAGES)
  State& s = state();
  if (!s.on.load(std::memory_order_acquire)) return;
  const uintptr_t brk = reinterpret_cast<uintptr_t>(sbrk(0));
  if (brk != s.brk.load(std::memory_order_relaxed)) advise_heap(brk);
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  if (bytes < kMinArenaBuffer || (a >= s.heap_lo && a < brk)) return;
  if (!advise_arena(a) && bytes >= kMinBuffer) advise_buffer(a, bytes);
#else
  (void)p;
  (void)bytes;
#endif
}

inline const char* Mode() { return state().mode; }
inline unsigned long Advises() { return state().advises.load(std::memory_order_relaxed); }

}  // namespace huge
}  // namespace neurite_addon
