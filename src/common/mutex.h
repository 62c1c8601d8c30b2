// A mutex that clang's thread-safety analysis understands, and the
// annotations that name what it guards.
//
// libstdc++'s std::mutex carries no capability attributes, so guarded
// members are declared with nimbus::Mutex and locked with MutexLock:
//
//   mutable Mutex mu_;
//   std::map<K, V> items_ GUARDED_BY(mu_);
//   void add_locked(K k) REQUIRES(mu_);
//
//   MutexLock lock(mu_);
//   while (!ready_) lock.wait(cv_);   // explicit loops: a predicate lambda
//                                     // would be analysed without the lock
//
// clang builds (the fuzz build) compile with -Wthread-safety -Werror, so a
// guarded member touched without its lock fails the build; on gcc the
// macros are empty. Lock orders between mutexes are written in
// docs/threading.md.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define NIMBUS_TSA(x) __attribute__((x))
#else
#define NIMBUS_TSA(x)
#endif

#define CAPABILITY(x) NIMBUS_TSA(capability(x))
#define SCOPED_CAPABILITY NIMBUS_TSA(scoped_lockable)
#define GUARDED_BY(x) NIMBUS_TSA(guarded_by(x))
#define PT_GUARDED_BY(x) NIMBUS_TSA(pt_guarded_by(x))
#define REQUIRES(...) NIMBUS_TSA(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) NIMBUS_TSA(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) NIMBUS_TSA(acquire_capability(__VA_ARGS__))
#define RELEASE(...) NIMBUS_TSA(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) NIMBUS_TSA(try_acquire_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) NIMBUS_TSA(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS NIMBUS_TSA(no_thread_safety_analysis)

namespace nimbus {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  bool try_lock() TRY_ACQUIRE(true) { return mu_.try_lock(); }

 private:
  friend class MutexLock;
  std::mutex mu_;
};

// Holds a Mutex for a scope; may be released and taken again inside it, and
// waits on a std::condition_variable (which releases it while waiting).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : lock_(mu.mu_) {}
  ~MutexLock() RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void unlock() RELEASE() { lock_.unlock(); }
  void lock() ACQUIRE() { lock_.lock(); }

  void wait(std::condition_variable& cv) { cv.wait(lock_); }
  template <class Rep, class Period>
  std::cv_status wait_for(std::condition_variable& cv, std::chrono::duration<Rep, Period> d) {
    return cv.wait_for(lock_, d);
  }
  template <class C, class D>
  std::cv_status wait_until(std::condition_variable& cv, std::chrono::time_point<C, D> t) {
    return cv.wait_until(lock_, t);
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace nimbus
