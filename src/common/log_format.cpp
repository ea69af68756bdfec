// The escaping spdlog formatter.
#include "common/log_format.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "common/string_util.h"

namespace kalam {
namespace {

// Formats with spdlog's default pattern after escaping the message.
class EscapingFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    if (!needs_escaping(payload)) {
      inner_.format(msg, dest);
      return;
    }
    std::string escaped = escape_log_text(payload);
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(escaped.data(), escaped.size());
    inner_.format(copy, dest);
    msg.color_range_start = copy.color_range_start;  // where a color sink paints the level
    msg.color_range_end = copy.color_range_end;
  }

  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<EscapingFormatter>(); }

 private:
  static bool needs_escaping(std::string_view text) {
    for (char c : text) {
      auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte == '\\' || byte == '"') return true;
    }
    return false;
  }

  spdlog::pattern_formatter inner_;
};

}  // namespace

std::string escape_log_text(std::string_view text) { return json_escape(text); }

void install_log_escaping() { spdlog::set_formatter(std::make_unique<EscapingFormatter>()); }

}  // namespace kalam
