// Status and Result<T>: how every fallible function in KalamDB reports failure.
// A Status carries an ErrorCode, a user-facing message and structured details
// that become the `error.details` object of the API envelope.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/error_code.h"

namespace kalam {

// One value of an error's `details` object.
using DetailValue = std::variant<int64_t, double, bool, std::string, std::vector<std::string>>;
using Details = std::vector<std::pair<std::string, DetailValue>>;

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message, Details details = {})
      : code_(code), message_(std::move(message)), details_(std::move(details)) {}

  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const Details& details() const { return details_; }

  // Adds one `details` entry; returns *this for chaining.
  Status& with_detail(std::string key, DetailValue value) & {
    details_.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  Status&& with_detail(std::string key, DetailValue value) && {
    details_.emplace_back(std::move(key), std::move(value));
    return std::move(*this);
  }
  // Looks up a detail by key (nullptr when absent).
  const DetailValue* detail(std::string_view key) const {
    for (const auto& [name, value] : details_) {
      if (name == key) return &value;
    }
    return nullptr;
  }

  // Explicitly ignores this status; greppable marker for swallowed errors.
  void permit_unchecked() const {}

  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  Details details_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool is_ok() const { return data_.index() == 0; }
  const T& value() const& { return std::get<0>(data_); }
  T& value() & { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // REQUIRES: !is_ok()
  const Status& status() const& { return std::get<1>(data_); }
  Status&& status() && { return std::get<1>(std::move(data_)); }

 private:
  std::variant<T, Status> data_;
};

inline Status make_error(ErrorCode code, std::string message) { return Status(code, std::move(message)); }

}  // namespace kalam

#define KALAM_CONCAT_INNER(a, b) a##b
#define KALAM_CONCAT(a, b) KALAM_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define KALAM_RETURN_IF_ERROR(expr)           \
  do {                                        \
    ::kalam::Status _kalam_st = (expr);       \
    if (!_kalam_st.is_ok()) return _kalam_st; \
  } while (0)

// Evaluates `expr` (a Result<T>); on error returns its Status, else moves the value into `lhs`.
#define KALAM_ASSIGN_OR_RETURN(lhs, expr) \
  KALAM_ASSIGN_OR_RETURN_IMPL(KALAM_CONCAT(_kalam_res_, __LINE__), lhs, expr)
#define KALAM_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.is_ok()) return std::move(tmp).status(); \
  lhs = std::move(tmp).value()
