// Log escaping: one event is one line whatever the logged text holds.
#include "common/log_format.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

namespace kalam {
namespace {

TEST(LogFormatTest, ControlCharactersAreEscaped) {
  EXPECT_EQ(escape_log_text("SELECT 1"), "SELECT 1");
  EXPECT_EQ(escape_log_text("a\nb\r\tc"), "a\\nb\\r\\tc");
  EXPECT_EQ(escape_log_text(std::string("\x1b[31m\0z", 7)), "\\u001b[31m\\u0000z");
  EXPECT_EQ(escape_log_text("back\\slash \"q\""), "back\\\\slash \\\"q\\\"");
  EXPECT_EQ(escape_log_text("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 unchanged
}

TEST(LogFormatTest, AForgedLineStaysInsideItsEvent) {
  std::ostringstream out;
  auto logger =
      std::make_shared<spdlog::logger>("escape-test", std::make_shared<spdlog::sinks::ostream_sink_st>(out));
  spdlog::register_logger(logger);
  install_log_escaping();  // applies to registered loggers
  logger->warn("slow statement: {}", "SELECT 1;\n[2026-12-07 00:00:00.000] [error] forged");
  spdlog::drop("escape-test");
  std::string text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_NE(text.find("[warning] slow statement: SELECT 1;\\n[2026-12-07 00:00:00.000] [error] forged"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace kalam
