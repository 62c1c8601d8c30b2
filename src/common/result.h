// Status and Result<T>: a value or an Error. Nothing on the data path throws;
// every function that can fail returns one of these, and callers must look.
#pragma once

#include <cassert>
#include <optional>
#include <utility>
#include <variant>

#include "common/error.h"

namespace nimbus {

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error e) : error_(std::move(e)) {}  // NOLINT: implicit, so `return Error{...}` reads well
  static Status ok() { return Status(); }

  bool is_ok() const { return !error_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const Error& error() const {
    assert(error_);
    return *error_;
  }
  Error&& take_error() {
    assert(error_);
    return std::move(*error_);
  }

 private:
  std::optional<Error> error_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT
  Result(Error e) : v_(std::move(e)) {}      // NOLINT
  Result(Status s) : v_(s.take_error()) {}   // NOLINT: only from a failed Status

  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }

  T& value() & {
    assert(is_ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(is_ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(is_ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!is_ok());
    return std::get<1>(v_);
  }
  Error&& take_error() {
    assert(!is_ok());
    return std::get<1>(std::move(v_));
  }
  Status status() const { return is_ok() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace nimbus

// NIMBUS_TRY(expr): return the error of a failed Status/Result from the caller.
#define NIMBUS_TRY(expr)                               \
  do {                                                 \
    auto&& nimbus_try_ = (expr);                       \
    if (!nimbus_try_) return nimbus_try_.take_error(); \
  } while (0)
