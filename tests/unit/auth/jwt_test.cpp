// Tests for HS256 JWT signing and verification, including hostile and malformed tokens.
#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "common/base64.h"

namespace kalam {
namespace {

constexpr std::string_view kSecret = "test-secret";
constexpr int64_t kNow = 1700000000;

JwtClaims make_claims(std::string token_type = "access") {
  JwtClaims claims;
  claims.sub = "alice";
  claims.role = "user";
  claims.token_type = std::move(token_type);
  claims.iat = kNow;
  claims.exp = kNow + 3600;
  return claims;
}

// Independent HMAC-SHA256 so that tests can forge tokens with arbitrary headers/payloads.
std::string hmac(std::string_view secret, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
  return std::string(reinterpret_cast<const char*>(mac), length);
}

// A correctly signed token with the given raw header and payload JSON.
std::string forge(std::string_view header_json, std::string_view payload_json,
                  std::string_view secret = kSecret) {
  std::string signing_input = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  return signing_input + "." + base64url_encode(hmac(secret, signing_input));
}

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view kValidPayload =
    R"({"sub":"alice","role":"user","iss":"kalamdb","token_type":"access","iat":1700000000,"exp":1700003600})";

ErrorCode verify_code(std::string_view token, std::string_view secret = kSecret, int64_t now = kNow) {
  auto result = jwt_verify(token, secret, now);
  return result.is_ok() ? ErrorCode::kOk : result.status().code();
}

std::vector<std::string> split(const std::string& token) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot = token.find('.'); dot != std::string::npos; dot = token.find('.', start)) {
    parts.push_back(token.substr(start, dot - start));
    start = dot + 1;
  }
  parts.push_back(token.substr(start));
  return parts;
}

TEST(JwtTest, SignVerifyRoundTrip) {
  const JwtClaims claims = make_claims();
  const std::string token = jwt_sign(claims, kSecret);
  auto verified = jwt_verify(token, kSecret, kNow);
  ASSERT_TRUE(verified.is_ok()) << verified.status().to_string();
  EXPECT_EQ(verified->sub, "alice");
  EXPECT_EQ(verified->role, "user");
  EXPECT_EQ(verified->iss, "kalamdb");
  EXPECT_EQ(verified->token_type, "access");
  EXPECT_EQ(verified->iat, kNow);
  EXPECT_EQ(verified->exp, kNow + 3600);
}

TEST(JwtTest, MatchesIndependentlyComputedToken) {
  // Computed with Python's hmac/base64/json for the same claims and secret.
  EXPECT_EQ(jwt_sign(make_claims(), kSecret),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
            "eyJzdWIiOiJhbGljZSIsInJvbGUiOiJ1c2VyIiwiaXNzIjoia2FsYW1kYiIsInRva2VuX3R5cGUiOiJhY2Nlc3MiLCJpYXQi"
            "OjE3MDAwMDA"
            "wMDAsImV4cCI6MTcwMDAwMzYwMH0.vHPHOXE-i27mppSevgIQyVY5JUcg20uXdm0UEDPVpTs");
}

TEST(JwtTest, HeaderIsHs256Jwt) {
  const auto parts = split(jwt_sign(make_claims(), kSecret));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(base64url_decode(parts[0]), std::optional<std::string>(std::string(kHeader)));
}

TEST(JwtTest, Rfc7515ExampleSignatureIsAccepted) {
  // RFC 7515 Appendix A.1: the HMAC check passes; the claims are not KalamDB's, so the token is
  // refused afterwards for its claims, not for its signature.
  const std::string token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  auto key = base64url_decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_TRUE(key.has_value());
  auto result = jwt_verify(token, *key, 1300000000);
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidToken);
  EXPECT_EQ(result.status().message().find("signature"), std::string::npos) << result.status().message();

  std::string wrong_key = *key;
  wrong_key[0] ^= 1;
  auto wrong = jwt_verify(token, wrong_key, 1300000000);
  ASSERT_FALSE(wrong.is_ok());
  EXPECT_NE(wrong.status().message().find("signature"), std::string::npos) << wrong.status().message();
}

TEST(JwtTest, AcceptsOtherJsonLayoutsWhenSigned) {
  const std::string token = forge(R"({ "typ": "JWT", "alg": "HS256" })",
                                  R"({"exp": 1700003600, "iat": 1700000000, "token_type": "refresh",
                                      "iss": "kalamdb", "role": "dba", "sub": "bob", "extra": [1, 2]})");
  auto verified = jwt_verify(token, kSecret, kNow);
  ASSERT_TRUE(verified.is_ok()) << verified.status().to_string();
  EXPECT_EQ(verified->sub, "bob");
  EXPECT_EQ(verified->role, "dba");
  EXPECT_EQ(verified->token_type, "refresh");
  EXPECT_EQ(forge(kHeader, kValidPayload), jwt_sign(make_claims(), kSecret));
}

TEST(JwtTest, TokenTypeIsPreserved) {
  for (const char* type : {"access", "refresh"}) {
    auto verified = jwt_verify(jwt_sign(make_claims(type), kSecret), kSecret, kNow);
    ASSERT_TRUE(verified.is_ok());
    EXPECT_EQ(verified->token_type, type);
  }
  EXPECT_NE(jwt_sign(make_claims("access"), kSecret), jwt_sign(make_claims("refresh"), kSecret));
}

TEST(JwtTest, TamperedPayloadIsRejected) {
  const std::string token = jwt_sign(make_claims(), kSecret);
  auto parts = split(token);
  auto payload = base64url_decode(parts[1]);
  ASSERT_TRUE(payload.has_value());
  std::string escalated = *payload;
  escalated.replace(escalated.find("\"user\""), 6, "\"dba\"");
  const std::string tampered = parts[0] + "." + base64url_encode(escalated) + "." + parts[2];
  EXPECT_EQ(verify_code(tampered), ErrorCode::kInvalidToken);

  std::string later = *payload;
  later.replace(later.find("1700003600"), 10, "1900003600");
  EXPECT_EQ(verify_code(parts[0] + "." + base64url_encode(later) + "." + parts[2]), ErrorCode::kInvalidToken);
}

TEST(JwtTest, EverySingleCharacterChangeIsRejected) {
  const std::string token = jwt_sign(make_claims(), kSecret);
  ASSERT_EQ(verify_code(token), ErrorCode::kOk);
  for (size_t pos = 0; pos < token.size(); ++pos) {
    for (char replacement : {'A', 'f', '0', '_', '.'}) {
      if (token[pos] == replacement) continue;
      std::string mutated = token;
      mutated[pos] = replacement;
      EXPECT_EQ(verify_code(mutated), ErrorCode::kInvalidToken)
          << "position " << pos << " -> " << replacement;
    }
  }
}

TEST(JwtTest, TamperedSignatureIsRejected) {
  const std::string token = jwt_sign(make_claims(), kSecret);
  auto parts = split(token);
  auto signature = base64url_decode(parts[2]);
  ASSERT_TRUE(signature.has_value());
  ASSERT_EQ(signature->size(), 32u);
  for (size_t byte_idx : {size_t{0}, size_t{15}, size_t{31}}) {
    std::string flipped = *signature;
    flipped[byte_idx] ^= 0x01;
    EXPECT_EQ(verify_code(parts[0] + "." + parts[1] + "." + base64url_encode(flipped)),
              ErrorCode::kInvalidToken);
  }
  EXPECT_EQ(verify_code(parts[0] + "." + parts[1] + "." + base64url_encode(signature->substr(0, 31))),
            ErrorCode::kInvalidToken);
  EXPECT_EQ(verify_code(parts[0] + "." + parts[1] + "." + base64url_encode(*signature + "x")),
            ErrorCode::kInvalidToken);
  EXPECT_EQ(verify_code(parts[0] + "." + parts[1] + "."), ErrorCode::kInvalidToken);
  EXPECT_EQ(verify_code(parts[0] + "." + parts[1] + "." + parts[2] + "="), ErrorCode::kInvalidToken);
}

TEST(JwtTest, WrongSecretIsRejected) {
  const std::string token = jwt_sign(make_claims(), kSecret);
  EXPECT_EQ(verify_code(token, "other-secret"), ErrorCode::kInvalidToken);
  EXPECT_EQ(verify_code(token, "test-secreT"), ErrorCode::kInvalidToken);
  EXPECT_EQ(verify_code(token, std::string(kSecret) + "x"), ErrorCode::kInvalidToken);
}

TEST(JwtTest, EmptySecretIsAnInternalError) {
  EXPECT_EQ(verify_code(jwt_sign(make_claims(), kSecret), ""), ErrorCode::kInternalError);
}

TEST(JwtTest, AlgNoneIsRejected) {
  const std::string header = base64url_encode(R"({"alg":"none","typ":"JWT"})");
  const std::string payload = base64url_encode(kValidPayload);
  EXPECT_EQ(verify_code(header + "." + payload + "."), ErrorCode::kInvalidToken);
  EXPECT_EQ(verify_code(header + "." + payload), ErrorCode::kInvalidToken);
  // Even with a valid HS256 MAC over it, a header that does not say HS256 is refused.
  for (std::string_view bad_header :
       {R"({"alg":"none","typ":"JWT"})", R"({"alg":"None"})", R"({"alg":"HS512","typ":"JWT"})",
        R"({"alg":"hs256","typ":"JWT"})", R"({"typ":"JWT"})", R"({"alg":null})", R"({"alg":["HS256"]})",
        R"({"alg":"HS256","typ":"JWS+JSON"})", R"({"alg":"HS256","typ":1})", R"(["HS256"])", R"("HS256")",
        "{"}) {
    EXPECT_EQ(verify_code(forge(bad_header, kValidPayload)), ErrorCode::kInvalidToken) << bad_header;
  }
  EXPECT_EQ(verify_code(forge(R"({"alg":"HS256"})", kValidPayload)), ErrorCode::kOk);
}

TEST(JwtTest, ExpiredTokens) {
  const std::string token = jwt_sign(make_claims(), kSecret);
  EXPECT_EQ(verify_code(token, kSecret, kNow + 3599), ErrorCode::kOk);
  EXPECT_EQ(verify_code(token, kSecret, kNow + 3600), ErrorCode::kTokenExpired);
  EXPECT_EQ(verify_code(token, kSecret, kNow + 100000), ErrorCode::kTokenExpired);
}

TEST(JwtTest, IssuedInTheFutureBeyondTheSkewIsRejected) {
  const std::string token = jwt_sign(make_claims(), kSecret);
  EXPECT_EQ(verify_code(token, kSecret, kNow - kJwtMaxClockSkewSeconds), ErrorCode::kOk);
  EXPECT_EQ(verify_code(token, kSecret, kNow - kJwtMaxClockSkewSeconds - 1), ErrorCode::kInvalidToken);
  EXPECT_EQ(verify_code(token, kSecret, kNow - 86400), ErrorCode::kInvalidToken);
}

TEST(JwtTest, GenerationFamilyAndIdRoundTrip) {
  JwtClaims claims = make_claims("refresh");
  claims.gen = 7;
  claims.fam = "f00d";
  claims.jti = "beef";
  auto verified = jwt_verify(jwt_sign(claims, kSecret), kSecret, kNow);
  ASSERT_TRUE(verified.is_ok());
  EXPECT_EQ((std::tuple{verified->gen, verified->fam, verified->jti}),
            (std::tuple{int64_t{7}, "f00d", "beef"}));
  EXPECT_EQ(jwt_verify(jwt_sign(make_claims(), kSecret), kSecret, kNow)->gen, 0) << "absent means 0";
}

TEST(JwtTest, ExpiryIsOnlyReportedForAuthenticTokens) {
  const std::string token = jwt_sign(make_claims(), kSecret);
  EXPECT_EQ(verify_code(token, "other-secret", kNow + 100000), ErrorCode::kInvalidToken);
  auto parts = split(token);
  std::string mutated_signature = parts[2];
  mutated_signature[0] = mutated_signature[0] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify_code(parts[0] + "." + parts[1] + "." + mutated_signature, kSecret, kNow + 100000),
            ErrorCode::kInvalidToken);
}

TEST(JwtTest, WrongIssuerIsRejected) {
  JwtClaims claims = make_claims();
  claims.iss = "someone-else";
  EXPECT_EQ(verify_code(jwt_sign(claims, kSecret)), ErrorCode::kInvalidToken);
  claims.iss = "KalamDB";
  EXPECT_EQ(verify_code(jwt_sign(claims, kSecret)), ErrorCode::kInvalidToken);
}

TEST(JwtTest, MissingOrMistypedClaimsAreRejected) {
  const char* kPayloads[] = {
      R"({"role":"user","iss":"kalamdb","token_type":"access","iat":1700000000,"exp":1700003600})",
      R"({"sub":"alice","iss":"kalamdb","token_type":"access","iat":1700000000,"exp":1700003600})",
      R"({"sub":"alice","role":"user","token_type":"access","iat":1700000000,"exp":1700003600})",
      R"({"sub":"alice","role":"user","iss":"kalamdb","iat":1700000000,"exp":1700003600})",
      R"({"sub":"alice","role":"user","iss":"kalamdb","token_type":"access","exp":1700003600})",
      R"({"sub":"alice","role":"user","iss":"kalamdb","token_type":"access","iat":1700000000})",
      R"({"sub":"","role":"user","iss":"kalamdb","token_type":"access","iat":1700000000,"exp":1700003600})",
      R"({"sub":"alice","role":"","iss":"kalamdb","token_type":"access","iat":1700000000,"exp":1700003600})",
      R"({"sub":42,"role":"user","iss":"kalamdb","token_type":"access","iat":1700000000,"exp":1700003600})",
      R"({"sub":"alice","role":"user","iss":"kalamdb","token_type":"access","iat":1700000000,"exp":"1700003600"})",
      R"({"sub":"alice","role":"user","iss":"kalamdb","token_type":"access","iat":1700000000,"exp":1.7e9})",
      R"({"sub":"alice","role":"user","iss":"kalamdb","token_type":"access","iat":1700000000,"exp":null})",
      R"({"sub":"alice","role":"user","iss":"kalamdb","token_type":"access","iat":1700000000,)"
      R"("exp":18446744073709551615})",
      R"({"sub":"alice","role":"user","iss":"kalamdb","token_type":"bearer","iat":1700000000,"exp":1700003600})",
      R"({"sub":"alice","role":"user","iss":"kalamdb","token_type":"ACCESS","iat":1700000000,"exp":1700003600})",
      R"({"sub":"alice","role":"user","iss":"kalamdb","token_type":true,"iat":1700000000,"exp":1700003600})",
      R"([])",
      R"("alice")",
      R"(null)",
      R"({"sub":"alice")",
      "",
  };
  for (const char* payload : kPayloads) {
    EXPECT_EQ(verify_code(forge(kHeader, payload)), ErrorCode::kInvalidToken) << payload;
  }
  EXPECT_EQ(verify_code(forge(kHeader, kValidPayload)), ErrorCode::kOk);
}

TEST(JwtTest, GarbageInputIsInvalidTokenNeverACrash) {
  const std::string valid = jwt_sign(make_claims(), kSecret);
  const auto parts = split(valid);
  const std::vector<std::string> kGarbage = {
      "",
      ".",
      "..",
      "...",
      "a",
      "a.b",
      "a.b.c",
      "a.b.c.d",
      "Bearer " + valid,
      " " + valid,
      valid + " ",
      valid + "\n",
      valid + ".",
      valid + "." + parts[2],
      "." + parts[1] + "." + parts[2],
      parts[0] + ".." + parts[2],
      parts[0] + "." + parts[1],
      parts[1] + "." + parts[0] + "." + parts[2],
      parts[0] + "==." + parts[1] + "." + parts[2],
      std::string(valid).insert(10, std::string(1, '\0')),
      std::string(valid.data(), 5) + "\xff\xfe" + valid.substr(5),
      "\xE2\x82\xAC.\xE2\x82\xAC.\xE2\x82\xAC",
      std::string(100000, 'a'),
      std::string(100000, '.'),
      "eyJhbGciOiJub25lIn0.e30.",
      "null",
      "{}",
      "[]",
  };
  for (const std::string& token : kGarbage) {
    EXPECT_EQ(verify_code(token), ErrorCode::kInvalidToken) << token.substr(0, 80);
  }

  // Correctly signed, but a segment uses the standard base64 alphabet ('/') instead of base64url.
  const std::string header = base64_encode(R"({"alg":"HS256","typ":"JWT","x":"???"})");
  ASSERT_NE(header.find('/'), std::string::npos);
  const std::string signing_input = header + "." + parts[1];
  EXPECT_EQ(verify_code(signing_input + "." + base64url_encode(hmac(kSecret, signing_input))),
            ErrorCode::kInvalidToken);

  std::mt19937 rng(7);
  const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
  for (int iteration = 0; iteration < 2000; ++iteration) {
    std::string token;
    const size_t length = rng() % 200;
    for (size_t idx = 0; idx < length; ++idx) token += kAlphabet[rng() % kAlphabet.size()];
    EXPECT_EQ(verify_code(token), ErrorCode::kInvalidToken) << token;
  }
}

}  // namespace
}  // namespace kalam
