// The generated JWT secret file: created once (0600), then read back; unsafe files refused.
#include "auth/secret_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace kalam {
namespace {

class SecretFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device seed;
    dir_ = std::filesystem::temp_directory_path() / ("kalam-secret-" + std::to_string(seed()));
    path_ = (dir_ / "data" / "jwt_secret").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SecretFileTest, CreatedOnceWithOwnerOnlyAccessThenReadBack) {
  bool created = false;
  auto first = load_or_create_secret_file(path_, &created);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_TRUE(created);
  EXPECT_EQ(first->size(), 64u);
  EXPECT_EQ(first->find_first_not_of("0123456789abcdef"), std::string::npos);
  struct stat info {};
  ASSERT_EQ(stat(path_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  auto second = load_or_create_secret_file(path_, &created);
  ASSERT_TRUE(second.is_ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(*second, *first);
  std::filesystem::remove(path_);
  EXPECT_NE(*load_or_create_secret_file(path_, &created), *first) << "a new secret is random";
}

TEST_F(SecretFileTest, UnsafeOrShortFilesAreRefused) {
  std::filesystem::create_directories(dir_ / "data");
  std::ofstream(path_) << std::string(64, 'a') << "\n";
  chmod(path_.c_str(), 0644);
  bool created = false;
  auto readable = load_or_create_secret_file(path_, &created);
  EXPECT_FALSE(readable.is_ok());
  EXPECT_NE(readable.status().message().find("readable by other users"), std::string::npos);
  chmod(path_.c_str(), 0600);
  EXPECT_EQ(*load_or_create_secret_file(path_, &created), std::string(64, 'a'));
  std::ofstream(path_, std::ios::trunc) << "short\n";
  EXPECT_FALSE(load_or_create_secret_file(path_, &created).is_ok());
}

}  // namespace
}  // namespace kalam
