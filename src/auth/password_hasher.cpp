// bcrypt hashing via libxcrypt's reentrant crypt_rn / crypt_gensalt_rn, salts from OpenSSL.
#include "auth/password_hasher.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <memory>
#include <string>

namespace kalam {
namespace {

constexpr std::string_view kBcryptPrefix = "$2b$";
constexpr size_t kSaltBytes = 16;
// "$2b$" + 2 cost digits + "$" + 22 salt chars + 31 hash chars.
constexpr size_t kBcryptHashLength = 60;

bool has_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

bool looks_like_bcrypt(std::string_view hash) {
  if (hash.size() != kBcryptHashLength) return false;
  return hash.starts_with("$2b$") || hash.starts_with("$2a$") || hash.starts_with("$2y$");
}

// crypt_data is 32 KiB: keep it off the stack and wipe it afterwards.
struct CryptScratch {
  CryptScratch() : data(std::make_unique<crypt_data>()) {}
  ~CryptScratch() { OPENSSL_cleanse(data.get(), sizeof(crypt_data)); }
  std::unique_ptr<crypt_data> data;
};

// A NUL-terminated copy of a password that is wiped when it goes out of scope.
class SecretCString {
 public:
  explicit SecretCString(std::string_view text) : value_(text) {}
  ~SecretCString() { OPENSSL_cleanse(value_.data(), value_.size()); }
  SecretCString(const SecretCString&) = delete;
  SecretCString& operator=(const SecretCString&) = delete;
  const char* c_str() const { return value_.c_str(); }

 private:
  std::string value_;
};

}  // namespace

Status validate_password_policy(std::string_view password) {
  if (password.size() < kPasswordMinBytes || password.size() > kPasswordMaxBytes) {
    return Status(ErrorCode::kInvalidArgument, "password must be between " +
                                                   std::to_string(kPasswordMinBytes) + " and " +
                                                   std::to_string(kPasswordMaxBytes) + " bytes long")
        .with_detail("argument", std::string("password"));
  }
  if (has_nul(password)) {
    return Status(ErrorCode::kInvalidArgument, "password must not contain NUL bytes")
        .with_detail("argument", std::string("password"));
  }
  return Status::ok();
}

Result<std::string> hash_password(std::string_view password, int cost) {
  if (cost < kBcryptMinCost || cost > kBcryptMaxCost) {
    return Status(ErrorCode::kInvalidArgument, "bcrypt cost must be between " +
                                                   std::to_string(kBcryptMinCost) + " and " +
                                                   std::to_string(kBcryptMaxCost));
  }
  if (has_nul(password)) {
    return Status(ErrorCode::kInvalidArgument, "password must not contain NUL bytes");
  }
  if (password.size() > kPasswordMaxBytes) {
    return Status(ErrorCode::kInvalidArgument,
                  "password must be at most " + std::to_string(kPasswordMaxBytes) + " bytes long");
  }

  unsigned char random_bytes[kSaltBytes];
  if (RAND_bytes(random_bytes, sizeof(random_bytes)) != 1) {
    return Status(ErrorCode::kInternalError, "cannot generate a password salt");
  }
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  const char* salt = crypt_gensalt_rn(kBcryptPrefix.data(), static_cast<unsigned long>(cost),
                                      reinterpret_cast<const char*>(random_bytes), sizeof(random_bytes),
                                      setting, sizeof(setting));
  OPENSSL_cleanse(random_bytes, sizeof(random_bytes));
  if (salt == nullptr) {
    return Status(ErrorCode::kInternalError, "cannot generate a bcrypt salt");
  }

  CryptScratch scratch;
  SecretCString phrase(password);
  const char* hashed = crypt_rn(phrase.c_str(), salt, scratch.data.get(), sizeof(crypt_data));
  if (hashed == nullptr || !std::string_view(hashed).starts_with(kBcryptPrefix)) {
    return Status(ErrorCode::kInternalError, "bcrypt hashing failed");
  }
  return std::string(hashed);
}

bool verify_password(std::string_view password, std::string_view stored_hash) {
  if (has_nul(password) || password.size() > kPasswordMaxBytes) return false;
  if (!looks_like_bcrypt(stored_hash) || has_nul(stored_hash)) return false;

  CryptScratch scratch;
  SecretCString phrase(password);
  const std::string setting(stored_hash);
  const char* hashed = crypt_rn(phrase.c_str(), setting.c_str(), scratch.data.get(), sizeof(crypt_data));
  if (hashed == nullptr) return false;
  std::string_view computed(hashed);
  if (computed.size() != stored_hash.size()) return false;
  return CRYPTO_memcmp(computed.data(), stored_hash.data(), stored_hash.size()) == 0;
}

}  // namespace kalam
