#pragma once
// hitd::result<T>: a value or a domain error. Errors are values in hitd (no
// exceptions cross the engine boundary); see error.hpp for the codes.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "hitd/error.hpp"

namespace hitd {

template <class T>
class result {
public:
  result(T value) : v_(std::move(value)) {}
  result(error e) : v_(std::move(e)) { assert(std::get<error>(v_).code != errc::none); }
  result(errc code, std::string message = {}) : result(error{code, std::move(message)}) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const error& err() const { return std::get<error>(v_); }
  errc code() const { return ok() ? errc::none : err().code; }

private:
  std::variant<T, error> v_;
};

// The result of a command that returns nothing but success.
struct done {};
using status = result<done>;

} // namespace hitd
