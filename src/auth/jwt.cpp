// HS256 JWT signing and verification: OpenSSL HMAC for the MAC, Boost.JSON for the JSON parts.
#include "auth/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <optional>

#include "common/base64.h"

namespace kalam {
namespace {

namespace json = boost::json;

constexpr std::string_view kHeaderJson = R"({"alg":"HS256","typ":"JWT"})";
constexpr size_t kSha256Bytes = 32;
// Far above any token we issue; bounds the work done for garbage input.
constexpr size_t kMaxTokenBytes = 8192;

Status invalid_token(std::string_view reason) {
  return Status(ErrorCode::kInvalidToken, "invalid token: " + std::string(reason));
}

const json::string* string_member(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value == nullptr ? nullptr : value->if_string();
}

std::optional<int64_t> integer_member(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (const int64_t* signed_value = value->if_int64()) return *signed_value;
  if (const uint64_t* unsigned_value = value->if_uint64()) {
    if (*unsigned_value <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(*unsigned_value);
  }
  return std::nullopt;  // doubles, strings, out of range
}

// Decodes one base64url segment holding a JSON object.
std::optional<json::object> decode_json_object(std::string_view segment) {
  std::optional<std::string> text = base64url_decode(segment);
  if (!text) return std::nullopt;
  boost::system::error_code error;
  json::value parsed = json::parse(*text, error);
  if (error || !parsed.is_object()) return std::nullopt;
  return std::move(parsed.as_object());
}

}  // namespace

std::optional<std::string> hmac_sha256(std::string_view secret, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  // An empty key must still be a non-null pointer for OpenSSL 3.
  static const unsigned char kEmptyKey = 0;
  const void* key = secret.empty() ? static_cast<const void*>(&kEmptyKey) : secret.data();
  if (HMAC(EVP_sha256(), key, static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &mac_length) == nullptr ||
      mac_length != kSha256Bytes) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(mac), mac_length);
}

std::string jwt_sign(const JwtClaims& claims, std::string_view secret) {
  json::object payload;
  payload["sub"] = claims.sub;
  payload["role"] = claims.role;
  payload["iss"] = claims.iss;
  payload["token_type"] = claims.token_type;
  payload["iat"] = claims.iat;
  payload["exp"] = claims.exp;
  if (claims.gen != 0) payload["gen"] = claims.gen;  // absent = 0
  if (!claims.fam.empty()) payload["fam"] = claims.fam;
  if (!claims.jti.empty()) payload["jti"] = claims.jti;

  std::string token = base64url_encode(kHeaderJson);
  token += '.';
  token += base64url_encode(json::serialize(payload));
  std::optional<std::string> mac = hmac_sha256(secret, token);
  if (!mac) return {};  // an empty token never verifies
  token += '.';
  token += base64url_encode(*mac);
  return token;
}

Result<JwtClaims> jwt_verify(std::string_view token, std::string_view secret, int64_t now_unix_seconds) {
  if (secret.empty()) return Status(ErrorCode::kInternalError, "JWT secret is not configured");
  if (token.empty() || token.size() > kMaxTokenBytes) return invalid_token("bad length");

  const size_t first_dot = token.find('.');
  if (first_dot == std::string_view::npos) return invalid_token("expected three segments");
  const size_t second_dot = token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) {
    return invalid_token("expected three segments");
  }
  const std::string_view signing_input = token.substr(0, second_dot);
  const std::string_view header_segment = token.substr(0, first_dot);
  const std::string_view payload_segment = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_segment = token.substr(second_dot + 1);

  std::optional<std::string> signature = base64url_decode(signature_segment);
  if (!signature || signature->size() != kSha256Bytes) return invalid_token("bad signature");
  std::optional<std::string> expected = hmac_sha256(secret, signing_input);
  if (!expected) return Status(ErrorCode::kInternalError, "HMAC computation failed");
  if (CRYPTO_memcmp(signature->data(), expected->data(), kSha256Bytes) != 0) {
    return invalid_token("bad signature");
  }

  std::optional<json::object> header = decode_json_object(header_segment);
  if (!header) return invalid_token("malformed header");
  const json::string* alg = string_member(*header, "alg");
  if (alg == nullptr || *alg != "HS256") return invalid_token("unsupported alg");
  if (const json::value* typ = header->if_contains("typ")) {
    if (!typ->is_string() || typ->as_string() != "JWT") return invalid_token("unsupported typ");
  }

  std::optional<json::object> payload = decode_json_object(payload_segment);
  if (!payload) return invalid_token("malformed payload");
  const json::string* sub = string_member(*payload, "sub");
  const json::string* role = string_member(*payload, "role");
  const json::string* iss = string_member(*payload, "iss");
  const json::string* token_type = string_member(*payload, "token_type");
  const std::optional<int64_t> iat = integer_member(*payload, "iat");
  const std::optional<int64_t> exp = integer_member(*payload, "exp");
  if (sub == nullptr || sub->empty() || role == nullptr || role->empty() || iss == nullptr ||
      token_type == nullptr || !iat || !exp) {
    return invalid_token("missing or mistyped claims");
  }
  if (*iss != kJwtIssuer) return invalid_token("wrong issuer");
  if (*token_type != kAccessTokenType && *token_type != kRefreshTokenType) {
    return invalid_token("unknown token_type");
  }
  if (*iat > now_unix_seconds + kJwtMaxClockSkewSeconds) return invalid_token("issued in the future");
  const json::value* gen_value = payload->if_contains("gen");
  const std::optional<int64_t> gen = integer_member(*payload, "gen");
  const json::value* fam_value = payload->if_contains("fam");
  const json::string* fam = string_member(*payload, "fam");
  const json::value* jti_value = payload->if_contains("jti");
  const json::string* jti = string_member(*payload, "jti");
  if ((gen_value != nullptr && !gen) || (fam_value != nullptr && fam == nullptr) ||
      (jti_value != nullptr && jti == nullptr)) {
    return invalid_token("missing or mistyped claims");
  }
  if (*exp <= now_unix_seconds) return Status(ErrorCode::kTokenExpired, "token has expired");

  JwtClaims claims;
  claims.sub = std::string(*sub);
  claims.role = std::string(*role);
  claims.iss = std::string(*iss);
  claims.token_type = std::string(*token_type);
  claims.iat = *iat;
  claims.exp = *exp;
  claims.gen = gen.value_or(0);
  if (fam != nullptr) claims.fam = std::string(*fam);
  if (jti != nullptr) claims.jti = std::string(*jti);
  return claims;
}

}  // namespace kalam
