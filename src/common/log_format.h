// One log event is one line: control characters in logged text (SQL, names, client
// input) are escaped by the formatter every logger uses, so a caller cannot forge log lines.
#pragma once

#include <string>
#include <string_view>

namespace kalam {

// `text` escaped as inside a JSON string (json_escape): \n, \r, \t, \", \\ and every
// other control character as \u00XX; other bytes, UTF-8 included, unchanged.
std::string escape_log_text(std::string_view text);

// Makes every current and later spdlog logger escape its messages (escape_log_text).
void install_log_escaping();

}  // namespace kalam
