// Base64 / base64url codecs: a table-driven encoder and a strict canonical decoder.
#include "common/base64.h"

#include <array>
#include <cstdint>

namespace kalam {
namespace {

constexpr std::string_view kStandardAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr uint8_t kInvalid = 0xFF;

using DecodeTable = std::array<uint8_t, 256>;

constexpr DecodeTable make_decode_table(std::string_view alphabet) {
  DecodeTable table{};
  for (auto& entry : table) entry = kInvalid;
  for (size_t idx = 0; idx < alphabet.size(); ++idx) {
    table[static_cast<uint8_t>(alphabet[idx])] = static_cast<uint8_t>(idx);
  }
  return table;
}

constexpr DecodeTable kStandardDecode = make_decode_table(kStandardAlphabet);
constexpr DecodeTable kUrlDecode = make_decode_table(kUrlAlphabet);

std::string encode(std::string_view data, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t pos = 0;
  for (; pos + 3 <= data.size(); pos += 3) {
    uint32_t group = (static_cast<uint8_t>(data[pos]) << 16) | (static_cast<uint8_t>(data[pos + 1]) << 8) |
                     static_cast<uint8_t>(data[pos + 2]);
    out += alphabet[(group >> 18) & 0x3F];
    out += alphabet[(group >> 12) & 0x3F];
    out += alphabet[(group >> 6) & 0x3F];
    out += alphabet[group & 0x3F];
  }
  size_t rest = data.size() - pos;
  if (rest == 1) {
    uint32_t group = static_cast<uint8_t>(data[pos]) << 16;
    out += alphabet[(group >> 18) & 0x3F];
    out += alphabet[(group >> 12) & 0x3F];
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t group = (static_cast<uint8_t>(data[pos]) << 16) | (static_cast<uint8_t>(data[pos + 1]) << 8);
    out += alphabet[(group >> 18) & 0x3F];
    out += alphabet[(group >> 12) & 0x3F];
    out += alphabet[(group >> 6) & 0x3F];
    if (pad) out += '=';
  }
  return out;
}

// Decodes `symbols` (no padding) whose length mod 4 is 0, 2 or 3.
std::optional<std::string> decode_unpadded(std::string_view symbols, const DecodeTable& table) {
  if (symbols.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(symbols.size() / 4 * 3 + 2);
  uint32_t accumulator = 0;
  int bits = 0;
  for (char symbol : symbols) {
    uint8_t value = table[static_cast<uint8_t>(symbol)];
    if (value == kInvalid) return std::nullopt;
    accumulator = (accumulator << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((accumulator >> bits) & 0xFF);
    }
  }
  // Leftover bits (2 or 4) must be zero: otherwise several encodings map to one value.
  if (bits > 0 && (accumulator & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::string base64_encode(std::string_view data) { return encode(data, kStandardAlphabet, /*pad=*/true); }

std::optional<std::string> base64_decode(std::string_view encoded) {
  if (encoded.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  while (padding < 2 && padding < encoded.size() && encoded[encoded.size() - 1 - padding] == '=') ++padding;
  // Any '=' left in the symbols (a third one, or one in the middle) is rejected by the table.
  return decode_unpadded(encoded.substr(0, encoded.size() - padding), kStandardDecode);
}

std::string base64url_encode(std::string_view data) { return encode(data, kUrlAlphabet, /*pad=*/false); }

std::optional<std::string> base64url_decode(std::string_view encoded) {
  return decode_unpadded(encoded, kUrlDecode);
}

}  // namespace kalam
