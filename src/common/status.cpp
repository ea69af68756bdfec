// String form of a Status for logs and test failure messages.
#include "common/status.h"

namespace kalam {

std::string Status::to_string() const {
  if (is_ok()) return "OK";
  std::string out(error_code_name(code_));
  out += ": ";
  out += message_;
  return out;
}

}  // namespace kalam
