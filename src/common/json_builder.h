// A tiny builder for flat JSON objects (audit details, option maps) without
// pulling a JSON library into every handler.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/string_util.h"

namespace kalam {

class JsonObjectBuilder {
 public:
  JsonObjectBuilder& add(std::string_view key, std::string_view value) {
    key_(key);
    out_ += '"';
    append_json_escaped(out_, value);
    out_ += '"';
    return *this;
  }
  JsonObjectBuilder& add(std::string_view key, const char* value) {
    return add(key, std::string_view(value));
  }
  JsonObjectBuilder& add(std::string_view key, int64_t value) {
    key_(key);
    out_ += std::to_string(value);
    return *this;
  }
  JsonObjectBuilder& add(std::string_view key, bool value) {
    key_(key);
    out_ += value ? "true" : "false";
    return *this;
  }
  // `json` must already be valid JSON.
  JsonObjectBuilder& add_raw(std::string_view key, std::string_view json) {
    key_(key);
    out_ += json;
    return *this;
  }
  std::string build() const { return out_ + "}"; }

 private:
  void key_(std::string_view key) {
    out_ += out_.size() > 1 ? ",\"" : "\"";
    append_json_escaped(out_, key);
    out_ += "\":";
  }
  std::string out_ = "{";
};

}  // namespace kalam
