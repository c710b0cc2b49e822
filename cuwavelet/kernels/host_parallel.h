// A small work-sharing pool for the CPU glue. The calling thread always works
// on its own job and idle workers join in; the caller waits only for chunks a
// worker has already claimed. Unlike an OpenMP team barrier, a worker that the
// OS has descheduled (a busy machine, or another library's threads) never
// holds a call up: the caller simply takes its share.
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace cuwavelet {

class HostPool {
 public:
  // The process-wide pool (never destroyed: workers may still be parked at exit).
  static HostPool& instance() {
    static HostPool* pool = new HostPool(default_threads());
    return *pool;
  }

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // The machine's cores: the most threads a pool starts.
  static int machine_cores() {
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }

  // CUWAVELET_NUM_THREADS as a positive integer, or 0 when unset or not one.
  static long long requested_threads() {
    const char* env = std::getenv("CUWAVELET_NUM_THREADS");
    if (!env) return 0;
    char* end = nullptr;
    errno = 0;
    const long long n = std::strtoll(env, &end, 10);
    if (end == env || *end != '\0' || n < 1) return 0;
    return errno == ERANGE ? LLONG_MAX : n;
  }

  // The setting, capped at the cores (the Python side warns when it caps).
  static int default_threads() {
    const long long n = requested_threads();
    return n >= 1 ? static_cast<int>(std::min<long long>(n, machine_cores())) : machine_cores();
  }

  // Calls body(chunk) for every chunk in [0, chunks), each exactly once.
  void run(long long chunks, const std::function<void(long long)>& body) {
    if (chunks <= 1 || workers_.empty()) {
      for (long long c = 0; c < chunks; ++c) body(c);
      return;
    }
    auto job = std::make_shared<Job>();
    job->chunks = chunks;
    job->body = &body;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      current_ = job;
      ++generation_;
    }
    wake_.notify_all();
    work(*job);
    while (job->done.load(std::memory_order_acquire) < chunks) std::this_thread::yield();
    std::lock_guard<std::mutex> lock(mutex_);
    if (current_ == job) current_.reset();
  }

 private:
  struct Job {
    std::atomic<long long> next{0}, done{0};
    long long chunks = 0;
    const std::function<void(long long)>* body = nullptr;  // valid while chunks remain
  };

  // Workers that cannot be started (a thread or process limit) are done
  // without: the pool runs with fewer threads, the caller always works too.
  explicit HostPool(int threads) {
    for (int i = 1; i < threads; ++i) {
      try {
        workers_.emplace_back([this] { worker_loop(); });
      } catch (const std::exception&) {
        break;
      }
      workers_.back().detach();
    }
  }

  static void work(Job& job) {
    for (long long c; (c = job.next.fetch_add(1, std::memory_order_relaxed)) < job.chunks;) {
      (*job.body)(c);
      job.done.fetch_add(1, std::memory_order_release);
    }
  }

  void worker_loop() {
    unsigned long long seen = 0;
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        job = current_;
      }
      if (job) work(*job);
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::shared_ptr<Job> current_;
  unsigned long long generation_ = 0;
};

}  // namespace cuwavelet
