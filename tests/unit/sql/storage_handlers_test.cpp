// Storage handlers: templates, built-in local storage, credentials sealing, STORAGE CHECK.
#include <fstream>

#include "auth/secret_box.h"
#include "executor_test_fixture.h"

namespace kalam {
namespace {

using testing::ExecutorTest;

TEST_F(ExecutorTest, LocalStorageIsBuiltInAndCannotBeDropped) {
  const StorageDef* local = registry_->snapshot()->find_storage("local");
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->base_directory, dir_.string() + "/storage");
  EXPECT_EQ(error_of(run("root", Role::kSystem, "DROP STORAGE local")), ErrorCode::kInvalidArgument);
}

TEST_F(ExecutorTest, CreateStorageValidatesTemplates) {
  const char* bad_templates[] = {
      "SHARED_TABLES_TEMPLATE '{namespace}'",
      "SHARED_TABLES_TEMPLATE '/abs/{namespace}/{tableName}'",
      "SHARED_TABLES_TEMPLATE '{namespace}/../{tableName}'",
      "SHARED_TABLES_TEMPLATE '{namespace}/{tableName}/{bogus}'",
      "USER_TABLES_TEMPLATE '{namespace}/{tableName}'",
  };
  for (const char* clause : bad_templates) {
    auto outcome =
        run("root", Role::kSystem,
            "CREATE STORAGE arch TYPE filesystem BASE_DIRECTORY '" + (dir_ / "x").string() + "' " + clause);
    EXPECT_EQ(error_of(outcome), ErrorCode::kInvalidArgument) << clause;
  }
  EXPECT_EQ(registry_->snapshot()->find_storage("arch"), nullptr);
  auto ok = run("root", Role::kSystem,
                "CREATE STORAGE arch TYPE filesystem BASE_DIRECTORY '" + (dir_ / "x").string() +
                    "' USER_TABLES_TEMPLATE 'u/{userId}/{namespace}/{tableName}'");
  ASSERT_FALSE(ok.error) << ok.error->to_string();
  EXPECT_EQ(registry_->snapshot()->find_storage("arch")->user_tables_template,
            "u/{userId}/{namespace}/{tableName}");
}

TEST_F(ExecutorTest, CredentialsAreSealedNeverShownAndMaskedInAudit) {
  auto created = run("root", Role::kSystem,
                     "CREATE STORAGE s3prod TYPE s3 BASE_DIRECTORY 's3://bucket/p' REGION 'eu-west-1' "
                     "CREDENTIALS '{\"access_key_id\":\"AKIA1\",\"secret_access_key\":\"VERYSECRET\"}'");
  ASSERT_FALSE(created.error) << created.error->to_string();
  const StorageDef* def = registry_->snapshot()->find_storage("s3prod");
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->sealed_credentials.find("VERYSECRET"), std::string::npos);
  auto opened = open_secret(def->sealed_credentials, "test-key");
  ASSERT_TRUE(opened.is_ok());
  EXPECT_NE(opened->find("VERYSECRET"), std::string::npos);
  EXPECT_FALSE(open_secret(def->sealed_credentials, "other-key").is_ok());

  auto shown = run("alice", Role::kUser, "SHOW STORAGES");
  ASSERT_FALSE(shown.error);
  const RowsResult* rows = result_rows(shown.results[0].result);
  for (const auto& row : rows->rows) {
    for (const auto& cell : row) {
      if (const auto* text = std::get_if<std::string>(&cell)) {
        EXPECT_EQ(text->find("VERYSECRET"), std::string::npos);
      }
    }
  }
  for (const auto& entry : audit_rows()) {
    EXPECT_EQ(entry.details_json.find("VERYSECRET"), std::string::npos);
  }
  EXPECT_EQ(error_of(run("root", Role::kSystem, "ALTER STORAGE s3prod SET CREDENTIALS 'not json'")),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of(run("root", Role::kSystem, "STORAGE CHECK s3prod")), ErrorCode::kNotImplemented);
}

TEST_F(ExecutorTest, StorageCheckProbesAFilesystemStorage) {
  std::string base = (dir_ / "probe-target").string();
  ASSERT_FALSE(
      run("root", Role::kSystem, "CREATE STORAGE probe TYPE filesystem BASE_DIRECTORY '" + base + "'").error);
  auto checked = run("root", Role::kSystem, "STORAGE CHECK probe");
  ASSERT_FALSE(checked.error) << checked.error->to_string();
  const RowsResult* rows = result_rows(checked.results[0].result);
  ASSERT_EQ(rows->rows.size(), 1u);
  for (size_t column = 1; column <= 4; ++column) {
    EXPECT_TRUE(std::get<bool>(rows->rows[0][column])) << rows->schema[column].name;
  }
  EXPECT_TRUE(is_null(rows->rows[0][6]));
  EXPECT_TRUE(std::filesystem::is_empty(base)) << "the probe file must be removed";

  // A base directory that cannot be created reports failure instead of success.
  std::string blocked = (dir_ / "file-not-dir").string();
  { std::ofstream(blocked) << "x"; }
  ASSERT_FALSE(
      run("root", Role::kSystem, "CREATE STORAGE broken TYPE filesystem BASE_DIRECTORY '" + blocked + "/sub'")
          .error);
  auto failed = run("root", Role::kSystem, "STORAGE CHECK broken");
  ASSERT_FALSE(failed.error);
  const RowsResult* failed_rows = result_rows(failed.results[0].result);
  EXPECT_FALSE(std::get<bool>(failed_rows->rows[0][1]));
  EXPECT_FALSE(is_null(failed_rows->rows[0][6]));
}

TEST_F(ExecutorTest, FilesystemStoragesStayInsideTheAllowedRoots) {
  std::filesystem::create_directories(dir_ / "inside");
  std::filesystem::create_symlink("/etc", dir_ / "inside" / "escape");
  for (const std::string& path :
       {std::string("/etc"), std::string("relative/dir"), std::string("/"),
        (dir_ / "inside" / ".." / ".." / "elsewhere").string(), (dir_ / "inside" / "escape" / "sub").string(),
        dir_.string() + "-sibling"}) {
    auto outcome =
        run("root", Role::kSystem, "CREATE STORAGE bad TYPE filesystem BASE_DIRECTORY '" + path + "'");
    ASSERT_EQ(error_of(outcome), ErrorCode::kInvalidArgument) << path;
    EXPECT_EQ(std::get<std::string>(*outcome.error->detail("argument")), "base_directory") << path;
  }
  EXPECT_EQ(registry_->snapshot()->find_storage("bad"), nullptr);
  EXPECT_FALSE(
      run("root", Role::kSystem,
          "CREATE STORAGE good TYPE filesystem BASE_DIRECTORY '" + (dir_ / "inside" / "new").string() + "'")
          .error);

  // Configured roots replace the data directory; STORAGE CHECK of a storage left outside
  // them reports it and creates nothing.
  std::string root = (dir_ / "archive-root").string();
  config_.storage.allowed_roots = " /nonexistent-root , " + root;
  EXPECT_FALSE(
      run("root", Role::kSystem, "CREATE STORAGE arch TYPE filesystem BASE_DIRECTORY '" + root + "/a'")
          .error);
  auto checked = run("root", Role::kSystem, "STORAGE CHECK good");
  ASSERT_FALSE(checked.error);
  const RowsResult* rows = result_rows(checked.results[0].result);
  EXPECT_FALSE(std::get<bool>(rows->rows[0][1]));
  EXPECT_NE(std::get<std::string>(rows->rows[0][6]).find("outside"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "inside" / "new")) << "no folder is created outside the roots";
  auto archived = run("root", Role::kSystem, "STORAGE CHECK arch");
  ASSERT_FALSE(archived.error);
  EXPECT_TRUE(std::get<bool>(result_rows(archived.results[0].result)->rows[0][1]));
}

TEST_F(ExecutorTest, DropStorageInUseIsADependency) {
  ASSERT_FALSE(run("root", Role::kSystem,
                   "CREATE STORAGE arch TYPE filesystem BASE_DIRECTORY '" + (dir_ / "a").string() + "'")
                   .error);
  {
    CatalogChange change = registry_->begin_change();
    TableDef table;
    table.namespace_id = "chat";
    table.table_name = "t";
    table.storage_id = "arch";
    change.put_table(table);
    ASSERT_TRUE(change.commit().is_ok());
  }
  EXPECT_EQ(error_of(run("root", Role::kSystem, "DROP STORAGE arch")), ErrorCode::kDependencyExists);
  EXPECT_EQ(error_of(run("root", Role::kSystem, "DROP STORAGE nope")), ErrorCode::kNotFoundStorage);
  auto quiet = run("root", Role::kSystem, "DROP STORAGE IF EXISTS nope");
  ASSERT_FALSE(quiet.error);
  EXPECT_EQ(rows_affected(quiet.results[0].result), 0u);
}

TEST_F(ExecutorTest, StorageDdlNeedsDba) {
  EXPECT_EQ(error_of(run("svc", Role::kService, "CREATE STORAGE a TYPE filesystem BASE_DIRECTORY '/tmp/a'")),
            ErrorCode::kAuthInsufficientRole);
  EXPECT_EQ(error_of(run("u", Role::kUser, "STORAGE CHECK local")), ErrorCode::kAuthInsufficientRole);
  EXPECT_FALSE(run("u", Role::kUser, "SHOW STORAGES").error);
}

}  // namespace
}  // namespace kalam
