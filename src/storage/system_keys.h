// Key prefixes of the `system` column family: one place that says where each kind
// of system record lives.
#pragma once

#include <string>
#include <string_view>

namespace kalam::system_keys {

inline constexpr std::string_view kNamespace = "ns:";  // ns:<namespace_id> -> JSON
inline constexpr std::string_view kStorage = "st:";    // st:<storage_id> -> JSON
inline constexpr std::string_view kTable = "tb:";      // tb:<namespace_id>.<table_name> -> JSON
inline constexpr std::string_view kUser = "us:";       // us:<user_id> -> JSON
inline constexpr std::string_view kAudit = "au:";      // au:<big-endian audit snowflake> -> JSON
inline constexpr std::string_view kMeta = "meta:";     // meta:<name> -> value
// Cold tier (table_store/cold_segments.h); <tid> is 16 hex digits, <scope> the user id in hex:
inline constexpr std::string_view kSegment = "sg:";      // sg:<tid><scope>/<segment id> -> JSON
inline constexpr std::string_view kFlushState = "fs:";   // fs:<tid><scope> -> JSON
inline constexpr std::string_view kFlushIntent = "fi:";  // fi:<segment id> -> JSON (a flush in progress)
// rt:<user_id>/<family> -> "<current refresh token id> <refresh expiry, unix seconds>"
inline constexpr std::string_view kRefreshFamily = "rt:";

inline std::string make(std::string_view prefix, std::string_view id) {
  std::string key(prefix);
  key.append(id);
  return key;
}

}  // namespace kalam::system_keys
