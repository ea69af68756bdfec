// Parameter validation rules of api.md.
#include "sql/parser/parameter_binding.h"

#include <gtest/gtest.h>

#include "sql/parser/sql_parser.h"

namespace kalam {
namespace {

std::vector<ParsedStatement> parse_all(std::initializer_list<const char*> sqls) {
  std::vector<ParsedStatement> out;
  for (const char* sql : sqls) out.push_back(*parse_statement(sql));
  return out;
}

TEST(ParameterBindingTest, CountAndSizeLimits) {
  ParameterLimits limits{3, 10};
  std::vector<ParamValue> four(4, ParamValue(int64_t{1}));
  auto status = validate_parameter_values(four, limits);
  EXPECT_EQ(status.code(), ErrorCode::kParamCountExceeded);
  EXPECT_EQ(std::get<int64_t>(*status.detail("max")), 3);
  EXPECT_EQ(std::get<int64_t>(*status.detail("actual")), 4);

  std::vector<ParamValue> big = {ParamValue(std::string("ok")), ParamValue(std::string(11, 'x'))};
  status = validate_parameter_values(big, limits);
  EXPECT_EQ(status.code(), ErrorCode::kParamSizeExceeded);
  EXPECT_EQ(std::get<int64_t>(*status.detail("index")), 2);
  EXPECT_EQ(std::get<int64_t>(*status.detail("size_bytes")), 11);
  EXPECT_TRUE(validate_parameter_values({ParamValue(std::string(10, 'x'))}, limits).is_ok());
}

TEST(ParameterBindingTest, MismatchBatchAndUnsupported) {
  size_t failed = 99;
  std::vector<ParamValue> one = {ParamValue(int64_t{1})};
  auto status = validate_statement_parameters(parse_all({"SELECT $1, $2"}), one, &failed);
  EXPECT_EQ(status.code(), ErrorCode::kParamCountMismatch);
  EXPECT_EQ(std::get<int64_t>(*status.detail("expected")), 2);
  EXPECT_EQ(std::get<int64_t>(*status.detail("actual")), 1);

  status = validate_statement_parameters(parse_all({"SELECT $2"}), {ParamValue(), ParamValue()}, &failed);
  EXPECT_EQ(status.code(), ErrorCode::kParamCountMismatch) << "$1 never appears";

  status = validate_statement_parameters(parse_all({"SELECT $1"}), {}, &failed);
  EXPECT_EQ(status.code(), ErrorCode::kParamCountMismatch) << "uses $1 without values";

  status = validate_statement_parameters(parse_all({"SELECT $1", "SELECT 2"}), one, &failed);
  EXPECT_EQ(status.code(), ErrorCode::kParamsWithBatch);

  status = validate_statement_parameters(parse_all({"SHOW USERS"}), one, &failed);
  EXPECT_EQ(status.code(), ErrorCode::kParamsNotSupported);
  EXPECT_EQ(std::get<std::string>(*status.detail("statement_type")), "SHOW USERS");

  EXPECT_TRUE(validate_statement_parameters(parse_all({"SELECT $1"}), one, &failed).is_ok());
  EXPECT_TRUE(
      validate_statement_parameters(parse_all({"SHOW USERS", "SHOW NAMESPACES"}), {}, &failed).is_ok());
}

}  // namespace
}  // namespace kalam
