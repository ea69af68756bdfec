// JSON string escaping: every character JSON requires escaped is, and nothing else.
#include "common/string_util.h"

#include <gtest/gtest.h>

namespace kalam {
namespace {

TEST(JsonEscapeTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_escape("plain text, ünïcode ✓"), "plain text, ünïcode ✓");
  EXPECT_EQ(json_escape("say \"hi\" \\ bye"), "say \\\"hi\\\" \\\\ bye");
  EXPECT_EQ(json_escape("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(json_escape(std::string_view("\x00\x01\x1f", 3)), "\\u0000\\u0001\\u001f");
  EXPECT_EQ(json_escape(""), "");
  EXPECT_EQ(json_escape("\"\""), "\\\"\\\"");
  std::string out = "prefix:";
  append_json_escaped(out, "x\"y");
  EXPECT_EQ(out, "prefix:x\\\"y");
}

}  // namespace
}  // namespace kalam
