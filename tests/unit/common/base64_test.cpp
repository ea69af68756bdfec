// Tests for base64 / base64url: RFC 4648 vectors, round trips and strict rejection.
#include "common/base64.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace kalam {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string, std::string> kVectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64Test, UrlVariantUsesUrlAlphabetWithoutPadding) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64_encode(bytes), "+/+/");
  EXPECT_EQ(base64url_encode(bytes), "-_-_");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_decode("Zg"), std::optional<std::string>("f"));
  EXPECT_EQ(base64url_decode("Zm8"), std::optional<std::string>("fo"));
  EXPECT_EQ(base64url_decode("-_-_"), std::optional<std::string>(bytes));
}

TEST(Base64Test, RoundTripsEveryByteAndEveryLength) {
  std::string all_bytes;
  for (int value = 0; value < 256; ++value) all_bytes += static_cast<char>(value);
  EXPECT_EQ(base64_decode(base64_encode(all_bytes)), std::optional<std::string>(all_bytes));
  EXPECT_EQ(base64url_decode(base64url_encode(all_bytes)), std::optional<std::string>(all_bytes));

  std::mt19937 rng(42);
  for (size_t length = 0; length < 70; ++length) {
    std::string data;
    for (size_t idx = 0; idx < length; ++idx) data += static_cast<char>(rng() & 0xFF);
    EXPECT_EQ(base64_decode(base64_encode(data)), std::optional<std::string>(data)) << length;
    EXPECT_EQ(base64url_decode(base64url_encode(data)), std::optional<std::string>(data)) << length;
  }
}

TEST(Base64Test, StandardDecodeRejectsInvalidInput) {
  const char* kInvalid[] = {
      "Zg",        // missing padding
      "Zg=",       // length not a multiple of 4
      "Z===",      // too much padding
      "====",      // only padding
      "Zg==Zg==",  // padding in the middle
      "Zm=v",      // '=' inside a group
      "Zm9v\n",    // whitespace
      " Zm9v",     // whitespace
      "Zm9-",      // url alphabet
      "Zm9_",      // url alphabet
      "Zm9*",      // not base64
      "Zh==",      // non-zero unused bits: not the canonical encoding of "f"
      "Zm9=",      // non-zero unused bits
  };
  for (const char* input : kInvalid) EXPECT_FALSE(base64_decode(input).has_value()) << input;
  EXPECT_FALSE(base64_decode(std::string("Zm9v\0AAA", 8)).has_value());
  EXPECT_FALSE(base64_decode("Zm9v\xC3\xA9"
                             "AA")
                   .has_value());
}

TEST(Base64Test, UrlDecodeRejectsInvalidInput) {
  const char* kInvalid[] = {
      "Zg==",  // padding is not used in base64url
      "Zm8=",  // padding
      "Z",     // a single leftover symbol cannot encode a byte
      "Zm9vY",
      "Zm9+",  // standard alphabet
      "Zm9/",  // standard alphabet
      "Zh",    // non-canonical
      "Zm9 ",  // whitespace
      "Zm9.",
  };
  for (const char* input : kInvalid) EXPECT_FALSE(base64url_decode(input).has_value()) << input;
  EXPECT_EQ(base64url_decode(""), std::optional<std::string>(""));
}

TEST(Base64Test, BinaryWithNulBytesSurvives) {
  const std::string data("a\0b\0\0c", 6);
  EXPECT_EQ(base64_decode(base64_encode(data)), std::optional<std::string>(data));
  EXPECT_EQ(base64_encode(data), "YQBiAABj");
}

}  // namespace
}  // namespace kalam
