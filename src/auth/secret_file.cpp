// load_or_create_secret_file: O_EXCL create, fsync of the file and its folder.
#include "auth/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/ids.h"

namespace kalam {
namespace {

constexpr size_t kMinSecretChars = 32;

Status file_error(const std::string& what, const std::string& path) {
  return Status(ErrorCode::kInternalError, what + " '" + path + "': " + std::strerror(errno));
}

Result<std::string> read_secret(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) return file_error("cannot read the JWT secret file", path);
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Status(ErrorCode::kInternalError,
                  "the JWT secret file '" + path +
                      "' is readable by other users: chmod 600 it (or remove it to "
                      "generate a new secret, which ends every token issued so far)");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' || secret.back() == ' ')) {
    secret.pop_back();
  }
  if (secret.size() < kMinSecretChars) {
    return Status(
        ErrorCode::kInternalError,
        "the JWT secret file '" + path + "' holds fewer than 32 characters; remove it to generate one");
  }
  return secret;
}

}  // namespace

Result<std::string> load_or_create_secret_file(const std::string& path, bool* created) {
  *created = false;
  if (std::filesystem::exists(path)) return read_secret(path);
  std::error_code ec;
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  std::filesystem::create_directories(folder, ec);
  if (ec)
    return Status(ErrorCode::kInternalError, "cannot create '" + folder.string() + "': " + ec.message());
  std::string secret = random_hex(32);
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_secret(path);  // another process created it meanwhile
    return file_error("cannot create the JWT secret file", path);
  }
  std::string content = secret + "\n";
  bool written =
      write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) && fsync(fd) == 0;
  close(fd);
  if (!written) {
    unlink(path.c_str());
    return file_error("cannot write the JWT secret file", path);
  }
  int dir_fd = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);  // the new name survives a crash
    close(dir_fd);
  }
  *created = true;
  return secret;
}

}  // namespace kalam
