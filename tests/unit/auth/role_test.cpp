// Tests for role parsing, names and privilege order.
#include "auth/role.h"

#include <gtest/gtest.h>

namespace kalam {
namespace {

constexpr Role kAllRoles[] = {Role::kAnonymous, Role::kUser, Role::kService, Role::kDba, Role::kSystem};

TEST(RoleTest, ParsesCanonicalNamesCaseInsensitively) {
  EXPECT_EQ(parse_role("user"), Role::kUser);
  EXPECT_EQ(parse_role("service"), Role::kService);
  EXPECT_EQ(parse_role("dba"), Role::kDba);
  EXPECT_EQ(parse_role("system"), Role::kSystem);
  EXPECT_EQ(parse_role("USER"), Role::kUser);
  EXPECT_EQ(parse_role("Service"), Role::kService);
  EXPECT_EQ(parse_role("DbA"), Role::kDba);
  EXPECT_EQ(parse_role("SYSTEM"), Role::kSystem);
}

TEST(RoleTest, ParsesAliases) {
  EXPECT_EQ(parse_role("admin"), Role::kDba);
  EXPECT_EQ(parse_role("ADMIN"), Role::kDba);
  EXPECT_EQ(parse_role("readonly"), Role::kUser);
  EXPECT_EQ(parse_role("ReadOnly"), Role::kUser);
}

TEST(RoleTest, RejectsUnknownNamesAndAnonymous) {
  for (const char* name : {"anonymous", "ANONYMOUS", "", "root", "superuser", "dba ", " user", "users",
                           "read_only", "sys", "db"}) {
    EXPECT_FALSE(parse_role(name).has_value()) << "'" << name << "'";
  }
  EXPECT_FALSE(parse_role(std::string_view("dba\0", 4)).has_value());
}

TEST(RoleTest, NamesAreCanonicalAndRoundTrip) {
  EXPECT_EQ(role_name(Role::kAnonymous), "anonymous");
  EXPECT_EQ(role_name(Role::kUser), "user");
  EXPECT_EQ(role_name(Role::kService), "service");
  EXPECT_EQ(role_name(Role::kDba), "dba");
  EXPECT_EQ(role_name(Role::kSystem), "system");
  for (Role role : kAllRoles) {
    if (role == Role::kAnonymous) continue;
    EXPECT_EQ(parse_role(role_name(role)), role);
  }
}

TEST(RoleTest, PrivilegeOrder) {
  EXPECT_TRUE(role_at_least(Role::kSystem, Role::kDba));
  EXPECT_TRUE(role_at_least(Role::kDba, Role::kService));
  EXPECT_TRUE(role_at_least(Role::kService, Role::kUser));
  EXPECT_TRUE(role_at_least(Role::kUser, Role::kAnonymous));
  EXPECT_FALSE(role_at_least(Role::kUser, Role::kService));
  EXPECT_FALSE(role_at_least(Role::kService, Role::kDba));
  EXPECT_FALSE(role_at_least(Role::kDba, Role::kSystem));
  EXPECT_FALSE(role_at_least(Role::kAnonymous, Role::kUser));
  // Reflexive and total in declaration order.
  for (size_t actual_idx = 0; actual_idx < std::size(kAllRoles); ++actual_idx) {
    for (size_t required_idx = 0; required_idx < std::size(kAllRoles); ++required_idx) {
      EXPECT_EQ(role_at_least(kAllRoles[actual_idx], kAllRoles[required_idx]), actual_idx >= required_idx)
          << role_name(kAllRoles[actual_idx]) << " vs " << role_name(kAllRoles[required_idx]);
    }
  }
}

}  // namespace
}  // namespace kalam
