// A small work-sharing pool for the CPU glue. The calling thread always works
// on its own job and idle workers join in; the caller waits only for chunks a
// worker has already claimed. Unlike an OpenMP team barrier, a worker that the
// OS has descheduled (a busy machine, or another library's threads) never
// holds a call up: the caller simply takes its share.
#pragma once

#include <algorithm>
#include <atomic>
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

  static int default_threads() {
    if (const char* env = std::getenv("CUWAVELET_NUM_THREADS")) {
      const int n = std::atoi(env);
      if (n >= 1) return n;
    }
    return std::max(1u, std::thread::hardware_concurrency());
  }

  explicit HostPool(int threads) {
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); }).detach();
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
