// ASCII case folding, UTF-8 validation and JSON string escaping.
#include "common/string_util.h"

#include <cstdint>

namespace kalam {

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& ch : out) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  }
  return out;
}

bool iequals(std::string_view lhs, std::string_view rhs) {
  if (lhs.size() != rhs.size()) return false;
  for (size_t idx = 0; idx < lhs.size(); ++idx) {
    char a = lhs[idx], b = rhs[idx];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

bool is_valid_utf8(std::string_view text) {
  size_t idx = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  while (idx < text.size()) {
    unsigned char lead = bytes[idx];
    if (lead < 0x80) {
      ++idx;
      continue;
    }
    size_t extra = 0;
    uint32_t code_point = 0;
    if ((lead & 0xE0) == 0xC0) {
      extra = 1;
      code_point = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2;
      code_point = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3;
      code_point = lead & 0x07;
    } else {
      return false;
    }
    if (idx + extra >= text.size()) return false;
    for (size_t cont = 1; cont <= extra; ++cont) {
      unsigned char byte = bytes[idx + cont];
      if ((byte & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (byte & 0x3F);
    }
    if ((extra == 1 && code_point < 0x80) || (extra == 2 && code_point < 0x800) ||
        (extra == 3 && code_point < 0x10000) || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    idx += extra + 1;
  }
  return true;
}

void append_json_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run = 0;  // start of the current run of characters copied as they are
  for (size_t idx = 0; idx < text.size(); ++idx) {
    unsigned char ch = static_cast<unsigned char>(text[idx]);
    if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
    out.append(text.data() + run, idx - run);
    run = idx + 1;
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[(ch >> 4) & 0xF];
        out += kHex[ch & 0xF];
    }
  }
  out.append(text.data() + run, text.size() - run);
}

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_json_escaped(out, text);
  return out;
}

}  // namespace kalam
