// Named crash points (see crash_point.h).
#include "common/crash_point.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>

namespace kalam {
namespace {

struct Armed {
  std::string name;
  long hit = 1;  // crash on this hit of the point (from 1)
};

Armed read_armed() {
  const char* value = std::getenv("KALAMDB_CRASH_POINT");
  Armed armed;
  if (value == nullptr) return armed;
  armed.name = value;
  const size_t at = armed.name.rfind('@');
  if (at != std::string::npos) {
    armed.hit = std::max(1L, std::strtol(armed.name.c_str() + at + 1, nullptr, 10));
    armed.name.resize(at);
  }
  return armed;
}

}  // namespace

void crash_point(std::string_view name) {
  static const Armed armed = read_armed();
  static std::atomic<long> hits{0};
  if (armed.name.empty() || armed.name != name) return;
  if (hits.fetch_add(1) + 1 < armed.hit) return;
  spdlog::default_logger()->flush();
  std::raise(SIGKILL);
}

}  // namespace kalam
