// JSON value encoding and response envelopes (api.md § Value encoding).
#include "api/result_encoding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace kalam {
namespace {

std::string encode(const Value& value, DataType type) {
  std::string out;
  append_json_value(out, value, type);
  return out;
}

TEST(ResultEncodingTest, ValuesFollowTheirColumnType) {
  EXPECT_EQ(encode(Value(int64_t{312960612395257856}), DataType::kBigInt), "\"312960612395257856\"");
  EXPECT_EQ(encode(Value(int64_t{42}), DataType::kInt), "42");
  EXPECT_EQ(encode(Value(int64_t{1}), DataType::kBoolean), "true");
  EXPECT_EQ(encode(Value(true), DataType::kBoolean), "true");
  EXPECT_EQ(encode(Value(1.5), DataType::kDouble), "1.5");
  EXPECT_EQ(encode(Value(1.0), DataType::kAny), "1.0") << "a REAL stays recognizable as one";
  EXPECT_EQ(encode(Value(-2.0), DataType::kDouble), "-2.0");
  EXPECT_EQ(encode(Value(1e300), DataType::kDouble), "1e+300");
  EXPECT_EQ(encode(Value(std::nan("")), DataType::kDouble), "\"NaN\"");
  EXPECT_EQ(encode(Value(std::numeric_limits<double>::infinity()), DataType::kDouble), "\"Infinity\"");
  EXPECT_EQ(encode(Value(-std::numeric_limits<double>::infinity()), DataType::kFloat), "\"-Infinity\"");
  EXPECT_EQ(encode(Value(), DataType::kText), "null");
  EXPECT_EQ(encode(Value(std::string("a\"b\n")), DataType::kText), "\"a\\\"b\\n\"");
  EXPECT_EQ(encode(Value(std::string("\x01\xff", 2)), DataType::kBytes), "\"Af8=\"");
  EXPECT_EQ(encode(Value(int64_t{1795515330123456}), DataType::kTimestamp),
            "\"2026-11-24T10:15:30.123456Z\"");
  EXPECT_EQ(encode(Value(int64_t{9007199254740993}), DataType::kAny), "\"9007199254740993\"");
  EXPECT_EQ(encode(Value(int64_t{-5}), DataType::kAny), "-5");
  EXPECT_EQ(encode(Value(int64_t{20781}), DataType::kDate), "\"2026-11-24\"");
  EXPECT_EQ(encode(Value(int64_t{36930123456}), DataType::kTime), "\"10:15:30.123456\"");
}

TEST(ResultEncodingTest, SuccessEnvelopeCarriesCountsAndSchema) {
  BatchOutcome outcome;
  RowsResult rows;
  rows.schema = {{"id", DataType::kBigInt, {"pk", "nn"}}, {"content", DataType::kText, {}}};
  rows.rows = {{Value(int64_t{7}), Value(std::string("hello"))}};
  ExecutionMetadata metadata;
  metadata.kind = StatementKind::kShowUsers;
  metadata.as_user = "alice";
  outcome.results.push_back(StatementOutcome{ExecutionResult(rows), metadata});
  metadata.statement_index = 1;
  metadata.kind = StatementKind::kCreateNamespace;
  outcome.results.push_back(
      StatementOutcome{ExecutionResult(SuccessResult{"Namespace 'chat' created", 1}), metadata});
  std::string json = encode_sql_response(outcome, "rid-1", 0.4123);
  EXPECT_EQ(
      json,
      "{\"status\":\"success\",\"request_id\":\"rid-1\",\"elapsed_ms\":0.412,\"results\":["
      "{\"statement_index\":0,\"operation\":\"show\",\"schema\":[{\"name\":\"id\",\"data_type\":\"BIGINT\","
      "\"index\":0,\"flags\":[\"pk\",\"nn\"]},{\"name\":\"content\",\"data_type\":\"TEXT\",\"index\":1,"
      "\"flags\":[]}],\"rows\":[[\"7\",\"hello\"]],\"row_count\":1,\"rows_affected\":0,\"message\":null,"
      "\"as_user\":\"alice\"},{\"statement_index\":1,\"operation\":\"ddl\",\"row_count\":0,"
      "\"rows_affected\":1,\"message\":\"Namespace 'chat' created\",\"as_user\":\"alice\"}]}");
}

TEST(ResultEncodingTest, ErrorEnvelopeHasCodeDetailsAndIndex) {
  BatchOutcome outcome;
  outcome.error = Status(ErrorCode::kParamCountMismatch, "statement uses 2 parameters but 1 was given")
                      .with_detail("expected", int64_t{2})
                      .with_detail("actual", int64_t{1});
  outcome.error_statement_index = 0;
  std::string json = encode_sql_response(outcome, "rid", 0.2);
  EXPECT_NE(json.find("\"status\":\"error\""), std::string::npos);
  EXPECT_NE(
      json.find(
          "\"error\":{\"code\":\"PARAM_COUNT_MISMATCH\",\"message\":\"statement uses 2 parameters but 1 "
          "was given\",\"details\":{\"expected\":2,\"actual\":1},\"statement_index\":0}"),
      std::string::npos)
      << json;
  std::string plain = encode_error_response(Status(ErrorCode::kAuthRequired, "no"), "r", 1.0);
  EXPECT_NE(plain.find("\"details\":null"), std::string::npos);
  EXPECT_EQ(plain.find("statement_index"), std::string::npos);
}

TEST(ErrorCodeTest, HttpStatusesMatchTheSpecTable) {
  EXPECT_EQ(error_code_http_status(ErrorCode::kAuthRequired), 401);
  EXPECT_EQ(error_code_http_status(ErrorCode::kAccountLocked), 403);
  EXPECT_EQ(error_code_http_status(ErrorCode::kTimeoutHandlerExecution), 408);
  EXPECT_EQ(error_code_http_status(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(error_code_http_status(ErrorCode::kRateLimitExceeded), 429);
  EXPECT_EQ(error_code_http_status(ErrorCode::kNotImplemented), 501);
  EXPECT_EQ(error_code_name(ErrorCode::kNotFoundLiveQuery), "NOT_FOUND_LIVE_QUERY");
  EXPECT_EQ(error_code_name(ErrorCode::kTransactionConflict), "TRANSACTION_CONFLICT");
}

}  // namespace
}  // namespace kalam
