// Thread-block runtime: the few CUDA block primitives the fused kernels use
// (thread and block indices, dynamic shared memory, the block barrier), behind
// one interface so that a kernel body written once as
//
//     template <class Block> CUWAVELET_BLOCK void body(const Block& b, ...)
//
// runs on the GPU (DeviceBlock: thin wrappers over threadIdx, __syncthreads()...)
// and on the CPU (HostBlock, driven by block::Emulator), where CI tests it.
//
// The emulator runs each block's threads as fibers (ucontext) on one OS thread.
// Between two barriers every thread runs alone until it reaches the next
// barrier (or ends), in an order chosen to expose races: reversed or shuffled
// thread order, never only thread-index order. A missing barrier then shows up
// as a wrong answer: a thread reads a shared slot another thread has not yet
// written (shared memory starts poisoned with NaN bytes at every block) or has
// already overwritten. The emulator also refuses barriers that not every thread
// reaches (divergent __syncthreads), and writes past the dynamic shared memory
// and b.load / b.store accesses of the guard bytes that follow it (as many as
// the shared memory has, at least 64: an index up to twice the shared memory's
// size is reported, not taken for an address in global memory; a write past
// the end through a raw pointer is found in the first 64 of them).
//
// Memory accesses and multiply-adds of the kernels go through the block too:
//
//     b.load(p)            *p            (global or shared memory)
//     b.store(p, v)        *p = v
//     b.mul_add(acc, w, v) acc + w * v   (a filter tap)
//     b.load_once_16(p)    16 bytes of global data at p (16-byte aligned) as
//                          Lanes16<T>, in one load instruction (4 floats, 2
//                          doubles); otherwise as load_once
//     b.load_once(p), b.store_once(p, v)  global data the call reads or writes
//                          once (an analysis' input, its details): compiled
//                          with CUWAVELET_STREAMING=1, cache-streaming accesses
//                          (evicted first from L2, so that the approximation
//                          the next level reads may stay there); plain ones
//                          otherwise (the default, until a GPU has measured it)
//
// On the GPU they are exactly those expressions. The emulator performs them
// and counts them per launch (Counts: global bytes read and written, shared
// loads and stores, multiply-adds), telling global from shared memory by the
// address, so the counts are what the kernel body does, not a model of it.
// Asked to (EmulatorOptions::count_sectors), it also counts the distinct
// 32-byte sectors of global memory read and written: the DRAM traffic of a
// cache that keeps whatever the launch touches again (L2 serving the halos
// neighbouring blocks share), where the bytes are that of no cache at all.
#pragma once

#include "dwt_math.cuh"

namespace cuwavelet {
// 16 bytes of T (4 floats, 2 doubles): what one vector load instruction moves.
template <typename T>
struct alignas(16) Lanes16 {
  enum { kLanes = 16 / sizeof(T) };
  T v[kLanes];
};
}  // namespace cuwavelet

#if defined(__CUDACC__)  // NVRTC and nvcc: the real thing

#define CUWAVELET_BLOCK __device__ __forceinline__
#define CUWAVELET_UNROLL _Pragma("unroll")
#ifndef CUWAVELET_STREAMING
#define CUWAVELET_STREAMING 0
#endif

extern __shared__ __align__(16) unsigned char cuwavelet_dynamic_shared[];

namespace cuwavelet {
namespace block {

struct DeviceBlock {
  __device__ __forceinline__ int thread() const { return (int)threadIdx.x; }
  __device__ __forceinline__ int threads() const { return (int)blockDim.x; }
  __device__ __forceinline__ index_t block() const { return (index_t)blockIdx.x; }
  __device__ __forceinline__ index_t blocks() const { return (index_t)gridDim.x; }
  __device__ __forceinline__ unsigned char* shared() const { return cuwavelet_dynamic_shared; }
  __device__ __forceinline__ void sync() const { __syncthreads(); }
  template <typename T>
  __device__ __forceinline__ T load(const T* p) const { return *p; }
  template <typename T>
  __device__ __forceinline__ void store(T* p, T v) const { *p = v; }
  template <typename T>
  __device__ __forceinline__ T load_once(const T* p) const {
#if CUWAVELET_STREAMING
    return __ldcs(p);
#else
    return *p;
#endif
  }
  __device__ __forceinline__ Lanes16<float> load_once_16(const float* p) const {
#if CUWAVELET_STREAMING
    const float4 q = __ldcs(reinterpret_cast<const float4*>(p));
#else
    const float4 q = *reinterpret_cast<const float4*>(p);
#endif
    return Lanes16<float>{{q.x, q.y, q.z, q.w}};
  }
  __device__ __forceinline__ Lanes16<double> load_once_16(const double* p) const {
#if CUWAVELET_STREAMING
    const double2 q = __ldcs(reinterpret_cast<const double2*>(p));
#else
    const double2 q = *reinterpret_cast<const double2*>(p);
#endif
    return Lanes16<double>{{q.x, q.y}};
  }
  template <typename T>
  __device__ __forceinline__ void store_once(T* p, T v) const {
#if CUWAVELET_STREAMING
    __stcs(p, v);
#else
    *p = v;
#endif
  }
  template <typename A, typename W>
  __device__ __forceinline__ A mul_add(A acc, W w, A v) const { return acc + A(w) * v; }
};

}  // namespace block
}  // namespace cuwavelet

#else  // host compiler: the emulator

#define CUWAVELET_BLOCK inline
#define CUWAVELET_UNROLL

#include <ucontext.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

namespace cuwavelet {
namespace block {

// Order of the threads between two barriers. kForward (thread-index order)
// hides every race in which a thread reads what a lower-numbered thread wrote;
// it exists only so that tests can show that.
enum Schedule { kReversed = 0, kShuffled = 1, kForward = 2 };

struct EmulatorOptions {
  int schedule = kShuffled;
  std::uint64_t seed = 0x9e3779b97f4a7c15ull;
  // Testing hook: each thread's skip_barrier-th barrier call (0-based, counted
  // per block) returns at once, as if the kernel lacked it; -1: none skipped.
  long long skip_barrier = -1;
  // Blocks run: the first run_blocks of the grid (-1: all). Counting samples
  // a launch this way: the blocks of one batch item, whose counts every other
  // item repeats.
  long long run_blocks = -1;
  bool count_sectors = false;  // Counts::global_*_sectors (a set per launch: slower)
};

// What the blocks of a launch did (the emulator's counters).
struct Counts {
  long long global_load_bytes = 0, global_store_bytes = 0;
  long long global_loads = 0;  // load accesses of global memory, of any width
  long long shared_loads = 0, shared_stores = 0;  // accesses, of any width
  long long multiply_adds = 0;
  long long blocks = 0;
  long long global_load_sectors = 0, global_store_sectors = 0;  // distinct 32-byte sectors
};

class Emulator;

// What an emulated thread sees: the same interface as DeviceBlock.
class HostBlock {
 public:
  HostBlock(Emulator* em, int thread) : em_(em), thread_(thread) {}
  inline int thread() const { return thread_; }
  inline int threads() const;
  inline index_t block() const;
  inline index_t blocks() const;
  inline unsigned char* shared() const;
  inline void sync() const;
  template <typename T>
  T load(const T* p) const { count_access(p, sizeof(T), false); return *p; }
  template <typename T>
  void store(T* p, T v) const { count_access(p, sizeof(T), true); *p = v; }
  // (global memory only on the GPU: the emulator refuses shared addresses)
  template <typename T>
  T load_once(const T* p) const { require_global(p); return load(p); }
  template <typename T>
  void store_once(T* p, T v) const { require_global(p); store(p, v); }
  // (a misaligned vector load faults on the GPU: the emulator reports it)
  template <typename T>
  Lanes16<T> load_once_16(const T* p) const;
  template <typename A, typename W>
  A mul_add(A acc, W w, A v) const;

 private:
  inline void count_access(const void* p, std::size_t bytes, bool store) const;
  inline void require_global(const void* p) const;
  Emulator* em_;
  int thread_;
};

class Emulator {
 public:
  // Runs body(const HostBlock&) for every thread of every block of a 1D grid.
  // What the blocks did: Counts.
  template <class Body>
  static Counts launch(index_t grid, int threads, std::size_t shared_bytes, const Body& body,
                       const EmulatorOptions& options = EmulatorOptions()) {
    if (threads < 1) throw std::invalid_argument("a block needs at least one thread");
    Emulator em(threads, shared_bytes, options);
    em.body_ = &body;
    em.invoke_ = [](const void* fn, const HostBlock& b) { (*static_cast<const Body*>(fn))(b); };
    const index_t run = options.run_blocks >= 0 && options.run_blocks < grid
                            ? (index_t)options.run_blocks : grid;
    for (index_t blk = 0; blk < run; ++blk) em.run_block(blk, grid);
    em.counts_.blocks = run;
    em.counts_.global_load_sectors = (long long)em.sectors_[0].size();
    em.counts_.global_store_sectors = (long long)em.sectors_[1].size();
    return em.counts_;
  }

 private:
  friend class HostBlock;
  enum State { kRunnable, kAtBarrier, kDone };
  static constexpr std::size_t kStackBytes = 128 * 1024;
  static constexpr std::size_t kMinGuardBytes = 64;
  static constexpr unsigned char kPoison = 0xFF;  // NaN in every float and double
  static constexpr unsigned char kGuard = 0xA5;

  Emulator(int threads, std::size_t shared_bytes, const EmulatorOptions& options)
      : threads_(threads), shared_bytes_(shared_bytes),
        guard_bytes_(shared_bytes > kMinGuardBytes ? shared_bytes : kMinGuardBytes),
        options_(options), fibers_(threads), state_(threads), barriers_(threads),
        stacks_(new unsigned char[kStackBytes * threads]),
        // 16-byte aligned storage, as CUDA's dynamic shared memory is (at least)
        shared_(new std::uint64_t[(shared_bytes + guard_bytes_ + 15) / 16 * 2]) {}

  unsigned char* shared_base() const { return reinterpret_cast<unsigned char*>(shared_.get()); }

  static Emulator*& current() {
    static thread_local Emulator* em = nullptr;
    return em;
  }

  static void fiber_main() {
    Emulator* em = current();
    const int t = em->running_;
    em->invoke_(em->body_, HostBlock(em, t));
    em->state_[t] = kDone;  // returning resumes uc_link: the scheduler
  }

  void arrive(int t) {
    if (barriers_[t]++ == options_.skip_barrier) return;
    state_[t] = kAtBarrier;
    swapcontext(&fibers_[t], &scheduler_);
  }

  void make_order(std::vector<int>& order, std::uint64_t phase) const {
    order.resize(threads_);
    for (int t = 0; t < threads_; ++t) order[t] = t;
    if (options_.schedule == kReversed) {
      for (int t = 0; t < threads_; ++t) order[t] = threads_ - 1 - t;
    } else if (options_.schedule == kShuffled) {  // Fisher-Yates, xorshift64*
      std::uint64_t s = options_.seed ^ (phase * 0xbf58476d1ce4e5b9ull) ^
                        ((std::uint64_t)block_ * 0x94d049bb133111ebull);
      if (s == 0) s = 1;
      for (int t = threads_ - 1; t > 0; --t) {
        s ^= s >> 12; s ^= s << 25; s ^= s >> 27;
        const int u = (int)((s * 0x2545f4914f6cdd1dull) >> 33) % (t + 1);
        const int tmp = order[t]; order[t] = order[u]; order[u] = tmp;
      }
    }
  }

  void run_block(index_t blk, index_t grid) {
    block_ = blk;
    grid_ = grid;
    std::memset(shared_base(), kPoison, shared_bytes_);
    std::memset(shared_base() + shared_bytes_, kGuard, kMinGuardBytes);
    Emulator*& cur = current();
    Emulator* previous = cur;
    cur = this;
    for (int t = 0; t < threads_; ++t) {
      getcontext(&fibers_[t]);
      fibers_[t].uc_stack.ss_sp = stacks_.get() + kStackBytes * t;
      fibers_[t].uc_stack.ss_size = kStackBytes;
      fibers_[t].uc_link = &scheduler_;
      makecontext(&fibers_[t], &Emulator::fiber_main, 0);
      state_[t] = kRunnable;
      barriers_[t] = 0;
    }
    std::vector<int> order;
    for (std::uint64_t phase = 0;; ++phase) {
      make_order(order, phase);
      for (int t : order) {
        running_ = t;
        swapcontext(&scheduler_, &fibers_[t]);
      }
      int done = 0;
      for (int t = 0; t < threads_; ++t) done += state_[t] == kDone;
      if (done == threads_) break;
      for (int t = 0; t < threads_; ++t) {
        // Every thread must be waiting at the same barrier: one that ended or
        // that counted a different number of barriers diverged.
        if (state_[t] != kAtBarrier || barriers_[t] != barriers_[0]) {
          cur = previous;
          throw std::logic_error("divergent barrier in block " + std::to_string(blk) +
                                 ": not every thread reached barrier " +
                                 std::to_string(barriers_[0]));
        }
        state_[t] = kRunnable;
      }
    }
    cur = previous;
    bool wrote_past = overran_[1];  // b.store past the end, or a raw write just past it
    for (std::size_t i = 0; i < kMinGuardBytes; ++i)
      wrote_past = wrote_past || shared_base()[shared_bytes_ + i] != kGuard;
    if (misaligned_)
      throw std::logic_error("block " + std::to_string(blk) +
                             " made a 16-byte load (load_once_16) from an address not "
                             "16-byte aligned");
    if (once_in_shared_)
      throw std::logic_error("block " + std::to_string(blk) +
                             " used a global-memory-only access (load_once / store_once) on "
                             "shared memory");
    if (wrote_past || overran_[0])
      throw std::logic_error("block " + std::to_string(blk) + (wrote_past ? " wrote" : " read") +
                             " past its " + std::to_string(shared_bytes_) +
                             " bytes of shared memory");
  }

  const int threads_;
  const std::size_t shared_bytes_;
  const std::size_t guard_bytes_;  // after the shared memory, filled with kGuard
  const EmulatorOptions options_;
  std::vector<ucontext_t> fibers_;
  std::vector<State> state_;
  std::vector<long long> barriers_;  // barrier calls so far, per thread
  std::unique_ptr<unsigned char[]> stacks_;
  std::unique_ptr<std::uint64_t[]> shared_;
  ucontext_t scheduler_;
  Counts counts_;
  std::unordered_set<std::uint64_t> sectors_[2];  // loaded, stored (count_sectors)
  int running_ = 0;
  bool overran_[2] = {false, false};  // a b.load / b.store reached the guard bytes
  bool once_in_shared_ = false;  // a load_once / store_once of a shared address
  bool misaligned_ = false;      // a load_once_16 of an address not 16-byte aligned
  index_t block_ = 0, grid_ = 0;
  const void* body_ = nullptr;
  void (*invoke_)(const void*, const HostBlock&) = nullptr;
};

inline int HostBlock::threads() const { return em_->threads_; }
inline index_t HostBlock::block() const { return em_->block_; }
inline index_t HostBlock::blocks() const { return em_->grid_; }
inline unsigned char* HostBlock::shared() const { return em_->shared_base(); }
inline void HostBlock::sync() const { em_->arrive(thread_); }

inline void HostBlock::require_global(const void* p) const {
  const unsigned char* c = static_cast<const unsigned char*>(p);
  const unsigned char* s = em_->shared_base();
  if (c >= s && c < s + em_->shared_bytes_ + em_->guard_bytes_) em_->once_in_shared_ = true;
}

inline void HostBlock::count_access(const void* p, std::size_t bytes, bool store) const {
  const unsigned char* c = static_cast<const unsigned char*>(p);
  const unsigned char* s = em_->shared_base();
  Counts& n = em_->counts_;
  if (c >= s && c < s + em_->shared_bytes_ + em_->guard_bytes_) {
    ++(store ? n.shared_stores : n.shared_loads);
    if (c + bytes > s + em_->shared_bytes_) em_->overran_[store] = true;  // reported after the block
  } else {
    (store ? n.global_store_bytes : n.global_load_bytes) += (long long)bytes;
    if (!store) ++n.global_loads;
    if (em_->options_.count_sectors) {
      const std::uint64_t a = (std::uint64_t)(std::uintptr_t)c;
      for (std::uint64_t sector = a >> 5; sector <= (a + bytes - 1) >> 5; ++sector)
        em_->sectors_[store].insert(sector);
    }
  }
}

template <typename T>
Lanes16<T> HostBlock::load_once_16(const T* p) const {
  require_global(p);
  if (reinterpret_cast<std::uintptr_t>(p) % 16 != 0) em_->misaligned_ = true;
  count_access(p, 16, false);
  Lanes16<T> v;
  std::memcpy(v.v, p, 16);
  return v;
}

template <typename A, typename W>
A HostBlock::mul_add(A acc, W w, A v) const {
  ++em_->counts_.multiply_adds;
  return acc + A(w) * v;
}

}  // namespace block
}  // namespace cuwavelet

#endif

namespace cuwavelet {

// Elements of a strided line read through a block (counted by the emulator),
// as an accessor for extension_value / extended_value of dwt_math.cuh.
template <class Block, typename T, typename A>
struct BlockSamples {
  const Block& b;
  const T* x;
  index_t stride;
  CUWAVELET_BLOCK A operator()(index_t i) const { return A(b.load_once(x + i * stride)); }
};

}  // namespace cuwavelet
