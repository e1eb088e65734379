// Status and Result: how every Strata library reports failure. Exceptions do not cross module
// boundaries; a failed call returns a code and a message that says what failed and why.
#pragma once

#include <exception>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace strata {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller's input is malformed (a bad scene, a bad flag)
  kNotFound,         // a named thing (file, device, kernel) does not exist
  kUnavailable,      // a backend or device cannot be used on this machine
  kOutOfMemory,      // the job does not fit the device
  kDeviceError,      // a driver or runtime call failed
  kIoError,          // reading or writing a file failed
  kInternal,         // a broken invariant
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code name>: <message>", or "ok".
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status device_error(std::string m) { return {StatusCode::kDeviceError, std::move(m)}; }
inline Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}
  Result(Status status) : status_(std::move(status)) {
    if (status_.is_ok()) status_ = internal_error("Result built from an ok Status without a value");
  }

  bool is_ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

// Runs `body` (which returns a Status) and turns any exception it lets out into a Status that
// names `what`: for thread bodies, coroutines and handlers, which no exception may leave.
template <typename Body>
Status status_of(Body&& body, const std::string& what) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kOutOfMemory, what + ": out of memory");
  } catch (const std::exception& e) {
    return Status(StatusCode::kInternal, what + " failed: " + e.what());
  } catch (...) {
    return Status(StatusCode::kInternal, what + " failed with an unknown exception");
  }
}

}  // namespace strata

// Returns the Status of `expr` from the enclosing function when it is not ok.
#define STRATA_RETURN_IF_ERROR(expr)          \
  do {                                        \
    ::strata::Status strata_status_ = (expr); \
    if (!strata_status_.is_ok()) return strata_status_; \
  } while (0)
