// AES-256-GCM sealing of secrets with OpenSSL EVP.
#include "auth/secret_box.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <memory>

#include "common/base64.h"

namespace kalam {
namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

void derive_key(std::string_view key_material, unsigned char out[SHA256_DIGEST_LENGTH]) {
  std::string salted = "kalamdb-secret-box-v1:";
  salted.append(key_material);
  SHA256(reinterpret_cast<const unsigned char*>(salted.data()), salted.size(), out);
}

}  // namespace

Result<std::string> seal_secret(std::string_view plaintext, std::string_view key_material) {
  unsigned char key[SHA256_DIGEST_LENGTH];
  derive_key(key_material, key);
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(nonce, kNonceBytes) != 1) return Status(ErrorCode::kInternalError, "random source failed");
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  auto* cipher_out = nonce + kNonceBytes;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key, nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), cipher_out, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), cipher_out + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, cipher_out + plaintext.size()) != 1) {
    return Status(ErrorCode::kInternalError, "secret encryption failed");
  }
  return base64_encode(out);
}

Result<std::string> open_secret(std::string_view sealed, std::string_view key_material) {
  auto raw = base64_decode(sealed);
  if (!raw || raw->size() < kNonceBytes + kTagBytes) {
    return Status(ErrorCode::kInternalError, "sealed secret is malformed");
  }
  unsigned char key[SHA256_DIGEST_LENGTH];
  derive_key(key_material, key);
  const auto* nonce = reinterpret_cast<const unsigned char*>(raw->data());
  size_t cipher_len = raw->size() - kNonceBytes - kTagBytes;
  const unsigned char* cipher_in = nonce + kNonceBytes;
  std::string plain(cipher_len, '\0');
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  std::string tag(reinterpret_cast<const char*>(cipher_in + cipher_len), kTagBytes);
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key, nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len, cipher_in,
                        static_cast<int>(cipher_len)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &len) != 1) {
    return Status(ErrorCode::kInternalError, "sealed secret could not be opened (wrong key or tampered)");
  }
  return plain;
}

}  // namespace kalam
