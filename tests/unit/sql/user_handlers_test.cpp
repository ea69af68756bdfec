// User management handlers: roles, self-service, root protection, soft delete.
#include "executor_test_fixture.h"

namespace kalam {
namespace {

using testing::ExecutorTest;

TEST_F(ExecutorTest, CreateUserHashesThePasswordAndMasksItInAudit) {
  auto created =
      run("root", Role::kSystem, "CREATE USER alice WITH PASSWORD 'alice-pass-1' ROLE user EMAIL 'a@x.io'");
  ASSERT_FALSE(created.error) << created.error->to_string();
  auto alice = users_->find("alice");
  ASSERT_TRUE(alice.has_value());
  EXPECT_EQ(alice->role, Role::kUser);
  EXPECT_EQ(alice->email, "a@x.io");
  EXPECT_TRUE(verify_password("alice-pass-1", alice->password_hash));
  for (const auto& entry : audit_rows())
    EXPECT_EQ(entry.details_json.find("alice-pass-1"), std::string::npos);
  EXPECT_NE(audit_rows().back().details_json.find("***"), std::string::npos);
  reopen();
  ASSERT_TRUE(users_->find("alice").has_value());
}

TEST_F(ExecutorTest, PasswordPolicyAndDuplicates) {
  EXPECT_EQ(error_of(run("root", Role::kSystem, "CREATE USER a WITH PASSWORD 'short'")),
            ErrorCode::kInvalidArgument);
  std::string huge(10 * 1024, 'p');
  auto outcome = run("root", Role::kSystem, "CREATE USER a WITH PASSWORD '" + huge + "'");
  EXPECT_EQ(error_of(outcome), ErrorCode::kInvalidArgument);
  EXPECT_EQ(outcome.error->message().find(huge.substr(0, 20)), std::string::npos);
  ASSERT_FALSE(run("root", Role::kSystem, "CREATE USER a WITH PASSWORD 'password1'").error);
  EXPECT_EQ(error_of(run("root", Role::kSystem, "CREATE USER a WITH PASSWORD 'password1'")),
            ErrorCode::kAlreadyExists);
  auto quiet = run("root", Role::kSystem, "CREATE USER IF NOT EXISTS a WITH PASSWORD 'password1'");
  ASSERT_FALSE(quiet.error);
  EXPECT_EQ(rows_affected(quiet.results[0].result), 0u);
}

TEST_F(ExecutorTest, OnlySystemCreatesOrManagesSystemUsers) {
  EXPECT_EQ(error_of(run("admin", Role::kDba, "CREATE USER s WITH PASSWORD 'password1' ROLE system")),
            ErrorCode::kAuthInsufficientRole);
  ASSERT_FALSE(run("root", Role::kSystem, "CREATE USER s WITH PASSWORD 'password1' ROLE system").error);
  EXPECT_EQ(error_of(run("admin", Role::kDba, "ALTER USER s SET PASSWORD 'password2'")),
            ErrorCode::kAuthInsufficientRole);
  EXPECT_EQ(error_of(run("admin", Role::kDba, "DROP USER s")), ErrorCode::kAuthInsufficientRole);
  EXPECT_FALSE(run("root", Role::kSystem, "DROP USER s").error);
}

TEST_F(ExecutorTest, UserChangesOwnPasswordButNotRole) {
  add_user("alice", Role::kUser);
  ASSERT_FALSE(run("alice", Role::kUser, "ALTER USER alice SET PASSWORD 'new-password-1'").error);
  EXPECT_TRUE(verify_password("new-password-1", users_->find("alice")->password_hash));
  EXPECT_EQ(error_of(run("alice", Role::kUser, "ALTER USER alice SET ROLE dba")),
            ErrorCode::kAuthInsufficientRole);
  EXPECT_EQ(users_->find("alice")->role, Role::kUser);
  add_user("bob", Role::kUser);
  EXPECT_EQ(error_of(run("alice", Role::kUser, "ALTER USER bob SET PASSWORD 'new-password-2'")),
            ErrorCode::kAuthInsufficientRole);
  EXPECT_EQ(error_of(run("alice", Role::kUser, "ALTER USER ghost SET PASSWORD 'new-password-2'")),
            ErrorCode::kAuthInsufficientRole)
      << "a non-admin must not learn whether another user exists";
}

TEST_F(ExecutorTest, DbaChangesRolesButCannotGrantSystem) {
  add_user("alice", Role::kUser);
  ASSERT_FALSE(run("admin", Role::kDba, "ALTER USER alice SET ROLE service").error);
  EXPECT_EQ(users_->find("alice")->role, Role::kService);
  EXPECT_EQ(error_of(run("admin", Role::kDba, "ALTER USER alice SET ROLE system")),
            ErrorCode::kAuthInsufficientRole);
  EXPECT_EQ(error_of(run("admin", Role::kDba, "ALTER USER ghost SET ROLE user")), ErrorCode::kNotFoundUser);
}

TEST_F(ExecutorTest, RootCannotBeDroppedOrDemoted) {
  add_user("root", Role::kSystem);
  EXPECT_EQ(error_of(run("other", Role::kSystem, "DROP USER root")), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of(run("root", Role::kSystem, "ALTER USER root SET ROLE dba")),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(users_->find("root")->role, Role::kSystem);
}

TEST_F(ExecutorTest, DropUserIsASoftDelete) {
  add_user("alice", Role::kUser);
  auto dropped = run("admin", Role::kDba, "DROP USER alice");
  ASSERT_FALSE(dropped.error);
  EXPECT_EQ(rows_affected(dropped.results[0].result), 1u);
  auto alice = users_->find("alice");
  ASSERT_TRUE(alice.has_value());
  EXPECT_TRUE(alice->is_deleted());
  EXPECT_EQ(error_of(run("admin", Role::kDba, "DROP USER alice")), ErrorCode::kNotFoundUser);
  auto quiet = run("admin", Role::kDba, "DROP USER IF EXISTS alice");
  EXPECT_EQ(rows_affected(quiet.results[0].result), 0u);
  EXPECT_EQ(error_of(run("admin", Role::kDba, "CREATE USER alice WITH PASSWORD 'password1'")),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(error_of(run("admin", Role::kDba, "DROP USER admin")), ErrorCode::kInvalidArgument);
}

TEST_F(ExecutorTest, ShowUsersFiltersByRole) {
  add_user("alice", Role::kUser);
  add_user("bob", Role::kUser);
  auto own = run("alice", Role::kUser, "SHOW USERS");
  ASSERT_FALSE(own.error);
  const RowsResult* rows = result_rows(own.results[0].result);
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(rows->rows[0][0]), "alice");
  auto all = run("admin", Role::kDba, "SHOW USERS");
  EXPECT_EQ(row_count(all.results[0].result), 2u);
  for (const auto& column : rows->schema) EXPECT_EQ(column.name.find("hash"), std::string::npos);
}

}  // namespace
}  // namespace kalam
