// Cold segment registry, manifests and the decoded-chunk cache (see cold_segments.h).
#include "table_store/cold_segments.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <list>

#include "common/time_util.h"
#include "parquet/parquet_reader.h"
#include "storage/key_encoding.h"
#include "storage/system_keys.h"

namespace kalam {

struct OpenSegment {
  SegmentInfo info;
  void* map = nullptr;
  size_t size = 0;
  std::unique_ptr<parquet::ParquetReader> reader;
  std::vector<int64_t> group_starts;                       // first ordinal of each row group
  std::vector<std::pair<uint32_t, size_t>> field_columns;  // (column id, file column), by id

  ~OpenSegment() {
    if (map != nullptr) munmap(map, size);
  }
};

struct ColdChunk {
  std::vector<Value> values;
  size_t bytes = 0;
};

ColdReadContext::ColdReadContext() = default;
ColdReadContext::~ColdReadContext() = default;

namespace {

constexpr size_t kMaxOpenSegments = 256;

std::string hex16(uint64_t value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int idx = 15; idx >= 0; --idx) {
    out[idx] = kHex[value & 0xF];
    value >>= 4;
  }
  return out;
}

std::string hex_of(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    out += kHex[static_cast<uint8_t>(c) >> 4];
    out += kHex[static_cast<uint8_t>(c) & 0xF];
  }
  return out;
}

std::string table_prefix(uint64_t table_id) {
  return system_keys::make(system_keys::kSegment, hex16(table_id));
}
std::string scope_prefix(uint64_t table_id, std::string_view scope) {
  return table_prefix(table_id) + hex_of(scope) + "/";
}
std::string segment_key(const SegmentInfo& info) {
  return scope_prefix(info.table_id, info.scope) + hex16(info.segment_id);
}
std::string flush_state_key(uint64_t table_id, std::string_view scope) {
  return system_keys::make(system_keys::kFlushState, hex16(table_id) + hex_of(scope));
}
std::string intent_key(uint64_t segment_id) {
  return system_keys::make(system_keys::kFlushIntent, hex16(segment_id));
}

std::string encode_segment(const SegmentInfo& info) {
  boost::json::object out;
  out["segment_id"] = std::to_string(info.segment_id);
  out["table_id"] = info.table_id;
  out["table_name"] = info.table_name;
  out["scope"] = info.scope;
  out["directory"] = info.directory;
  out["file_name"] = info.file_name;
  out["batch"] = info.batch;
  out["row_count"] = info.row_count;
  out["size_bytes"] = info.size_bytes;
  out["schema_version"] = info.schema_version;
  out["min_seq"] = info.min_seq;
  out["max_seq"] = info.max_seq;
  out["created_at_us"] = info.created_at_us;
  out["column_stats"] = info.column_stats_json;
  return boost::json::serialize(out);
}

Result<SegmentInfo> decode_segment(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_object()) return Status(ErrorCode::kInternalStorageError, "corrupt segment record");
  const boost::json::object& in = parsed.as_object();
  SegmentInfo info;
  try {
    info.segment_id = std::stoull(std::string(in.at("segment_id").as_string()));
    info.table_id = boost::json::value_to<uint64_t>(in.at("table_id"));
    info.table_name = std::string(in.at("table_name").as_string());
    info.scope = std::string(in.at("scope").as_string());
    info.directory = std::string(in.at("directory").as_string());
    info.file_name = std::string(in.at("file_name").as_string());
    info.batch = boost::json::value_to<int64_t>(in.at("batch"));
    info.row_count = boost::json::value_to<uint64_t>(in.at("row_count"));
    info.size_bytes = boost::json::value_to<uint64_t>(in.at("size_bytes"));
    info.schema_version = boost::json::value_to<int32_t>(in.at("schema_version"));
    info.min_seq = boost::json::value_to<int64_t>(in.at("min_seq"));
    info.max_seq = boost::json::value_to<int64_t>(in.at("max_seq"));
    info.created_at_us = boost::json::value_to<int64_t>(in.at("created_at_us"));
    info.column_stats_json = std::string(in.at("column_stats").as_string());
  } catch (const std::exception&) {
    return Status(ErrorCode::kInternalStorageError, "corrupt segment record");
  }
  return info;
}

size_t chunk_bytes(const std::vector<Value>& values) {
  size_t bytes = values.capacity() * sizeof(Value);
  for (const Value& value : values) {
    if (const auto* text = std::get_if<std::string>(&value); text != nullptr && text->size() > 15) {
      bytes += text->capacity();
    }
  }
  return bytes;
}

// Every segment record (or intent) under `prefix`, by segment id.
Result<std::vector<SegmentInfo>> scan_segments(const StorageEngine& storage, const std::string& prefix) {
  std::vector<SegmentInfo> out;
  Status decoded = Status::ok();
  KALAM_RETURN_IF_ERROR(
      storage.scan_prefix(ColumnFamily::kSystem, prefix, [&](std::string_view, std::string_view value) {
        auto info = decode_segment(value);
        if (!info.is_ok()) {
          decoded = info.status();
          return false;
        }
        out.push_back(std::move(*info));
        return true;
      }));
  KALAM_RETURN_IF_ERROR(decoded);
  std::sort(out.begin(), out.end(),
            [](const SegmentInfo& a, const SegmentInfo& b) { return a.segment_id < b.segment_id; });
  return out;
}

}  // namespace

struct ColdSegments::Cache {
  using Key = std::tuple<uint64_t, size_t, size_t>;  // segment, row group, file column
  struct KeyHash {
    size_t operator()(const Key& key) const {
      return std::hash<uint64_t>()(std::get<0>(key) * 1000003u ^ (std::get<1>(key) << 20) ^ std::get<2>(key));
    }
  };
  std::list<Key> lru;  // most recent first
  std::unordered_map<Key, std::pair<std::shared_ptr<const ColdChunk>, std::list<Key>::iterator>, KeyHash>
      chunks;
  size_t bytes = 0;
  std::unordered_map<uint64_t, std::shared_ptr<const OpenSegment>> open;
};

ColdSegments::ColdSegments(StorageEngine& storage, size_t cache_bytes)
    : storage_(storage), cache_bytes_(cache_bytes), cache_(std::make_unique<Cache>()) {}

ColdSegments::~ColdSegments() = default;

Status ColdSegments::open(std::vector<SegmentInfo>* committed) {
  KALAM_ASSIGN_OR_RETURN(std::vector<SegmentInfo> segments,
                         scan_segments(storage_, std::string(system_keys::kSegment)));
  for (const SegmentInfo& info : segments) publish(info);
  KALAM_ASSIGN_OR_RETURN(std::vector<SegmentInfo> intents,
                         scan_segments(storage_, std::string(system_keys::kFlushIntent)));
  for (const SegmentInfo& intent : intents) {
    if (find(intent.segment_id) != nullptr) {
      committed->push_back(intent);
      continue;
    }
    // The flush never committed (registration comes with its pointers): nothing reads
    // its file. Remove the file and bring the manifest back to the registry.
    {
      std::error_code ignored;
      std::filesystem::remove(intent.path(), ignored);
      std::filesystem::remove(intent.path() + ".tmp", ignored);
      KALAM_ASSIGN_OR_RETURN(std::vector<SegmentInfo> registered, segments_of(intent.table_id, intent.scope));
      if (std::filesystem::exists(intent.directory, ignored)) {
        KALAM_RETURN_IF_ERROR(write_manifest(intent.directory, intent.table_name, intent.scope, registered));
        KALAM_RETURN_IF_ERROR(sync_directory(intent.directory));
      }
    }
    WriteBatch batch;
    remove_intent(batch, intent.segment_id);
    KALAM_RETURN_IF_ERROR(storage_.write(batch, true));
  }
  return Status::ok();
}

std::shared_ptr<const SegmentInfo> ColdSegments::find(uint64_t segment_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = registry_.find(segment_id);
  return it == registry_.end() ? nullptr : it->second;
}

Result<std::vector<SegmentInfo>> ColdSegments::segments_of(uint64_t table_id, std::string_view scope) const {
  return scan_segments(storage_, scope_prefix(table_id, scope));
}

Result<std::vector<SegmentInfo>> ColdSegments::segments_of_table(uint64_t table_id) const {
  return scan_segments(storage_, table_prefix(table_id));
}

void ColdSegments::add_record(WriteBatch& batch, const SegmentInfo& info) {
  batch.put(ColumnFamily::kSystem, segment_key(info), encode_segment(info));
}

void ColdSegments::remove_record(WriteBatch& batch, const SegmentInfo& info) {
  batch.del(ColumnFamily::kSystem, segment_key(info));
}

void ColdSegments::publish(const SegmentInfo& info) {
  std::lock_guard<std::mutex> lock(mutex_);
  registry_[info.segment_id] = std::make_shared<const SegmentInfo>(info);
}

void ColdSegments::unpublish(uint64_t segment_id) {
  evict(segment_id);
  std::lock_guard<std::mutex> lock(mutex_);
  registry_.erase(segment_id);
}

Result<FlushState> ColdSegments::flush_state(uint64_t table_id, std::string_view scope) const {
  KALAM_ASSIGN_OR_RETURN(auto value, storage_.get(ColumnFamily::kSystem, flush_state_key(table_id, scope)));
  FlushState state;
  if (!value) return state;
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(*value, ec);
  if (ec || !parsed.is_object()) return Status(ErrorCode::kInternalStorageError, "corrupt flush state");
  try {
    const boost::json::object& in = parsed.as_object();
    state.flushed_seq = boost::json::value_to<int64_t>(in.at("flushed_seq"));
    state.next_batch = boost::json::value_to<int64_t>(in.at("next_batch"));
    state.last_flush_at_us = boost::json::value_to<int64_t>(in.at("last_flush_at_us"));
  } catch (const std::exception&) {
    return Status(ErrorCode::kInternalStorageError, "corrupt flush state");
  }
  return state;
}

Result<int64_t> ColdSegments::last_flush_at(uint64_t table_id) const {
  int64_t latest = 0;
  Status decoded = Status::ok();
  KALAM_RETURN_IF_ERROR(storage_.scan_prefix(
      ColumnFamily::kSystem, system_keys::make(system_keys::kFlushState, hex16(table_id)),
      [&](std::string_view, std::string_view value) {
        boost::system::error_code ec;
        boost::json::value parsed = boost::json::parse(value, ec);
        const boost::json::value* at =
            !ec && parsed.is_object() ? parsed.as_object().if_contains("last_flush_at_us") : nullptr;
        if (at == nullptr || !at->is_int64()) {
          decoded = Status(ErrorCode::kInternalStorageError, "corrupt flush state");
          return false;
        }
        latest = std::max(latest, at->as_int64());
        return true;
      }));
  KALAM_RETURN_IF_ERROR(decoded);
  return latest;
}

void ColdSegments::put_flush_state(WriteBatch& batch, uint64_t table_id, std::string_view scope,
                                   const FlushState& state) {
  boost::json::object out;
  out["flushed_seq"] = state.flushed_seq;
  out["next_batch"] = state.next_batch;
  out["last_flush_at_us"] = state.last_flush_at_us;
  batch.put(ColumnFamily::kSystem, flush_state_key(table_id, scope), boost::json::serialize(out));
}

void ColdSegments::delete_flush_states(WriteBatch& batch, uint64_t table_id) {
  const std::string begin = system_keys::make(system_keys::kFlushState, hex16(table_id));
  batch.del_range(ColumnFamily::kSystem, begin, prefix_successor(begin));
  const std::string segments = table_prefix(table_id);
  batch.del_range(ColumnFamily::kSystem, segments, prefix_successor(segments));
}

void ColdSegments::delete_scope_records(WriteBatch& batch, uint64_t table_id, std::string_view scope) {
  batch.del(ColumnFamily::kSystem, flush_state_key(table_id, scope));
  const std::string segments = scope_prefix(table_id, scope);
  batch.del_range(ColumnFamily::kSystem, segments, prefix_successor(segments));
}

void ColdSegments::put_intent(WriteBatch& batch, const SegmentInfo& info) {
  batch.put(ColumnFamily::kSystem, intent_key(info.segment_id), encode_segment(info));
}

void ColdSegments::remove_intent(WriteBatch& batch, uint64_t segment_id) {
  batch.del(ColumnFamily::kSystem, intent_key(segment_id));
}

Result<std::shared_ptr<const OpenSegment>> ColdSegments::open_segment(uint64_t segment_id) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_->open.find(segment_id);
    if (it != cache_->open.end()) return it->second;
  }
  std::shared_ptr<const SegmentInfo> info = find(segment_id);
  if (info == nullptr) {
    return Status(ErrorCode::kInternalStorageError,
                  "cold segment " + std::to_string(segment_id) + " is not registered");
  }
  auto segment = std::make_shared<OpenSegment>();
  segment->info = *info;
  const std::string path = info->path();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return file_error("cannot open cold segment", path);
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    ::close(fd);
    return file_error("cannot stat cold segment", path);
  }
  segment->size = static_cast<size_t>(st.st_size);
  if (segment->size > 0) {
    segment->map = mmap(nullptr, segment->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (segment->map == MAP_FAILED) {
      segment->map = nullptr;
      ::close(fd);
      return file_error("cannot map cold segment", path);
    }
  }
  ::close(fd);
  auto reader =
      parquet::ParquetReader::open(std::string_view(static_cast<const char*>(segment->map), segment->size));
  if (!reader.is_ok()) {
    return Status(ErrorCode::kInternalStorageError,
                  "cold segment " + path + ": " + reader.status().message());
  }
  segment->reader = std::move(*reader);
  int64_t start = 0;
  for (size_t group = 0; group < segment->reader->row_group_count(); ++group) {
    segment->group_starts.push_back(start);
    start += segment->reader->row_group_rows(group);
  }
  const auto& columns = segment->reader->columns();
  for (size_t column = 0; column < columns.size(); ++column) {
    if (columns[column].field_id && *columns[column].field_id > 0) {
      segment->field_columns.emplace_back(static_cast<uint32_t>(*columns[column].field_id), column);
    }
  }
  std::sort(segment->field_columns.begin(), segment->field_columns.end());
  std::lock_guard<std::mutex> lock(mutex_);
  if (cache_->open.size() >= kMaxOpenSegments) {
    for (auto it = cache_->open.begin(); it != cache_->open.end();) {
      it = it->second.use_count() == 1 ? cache_->open.erase(it) : std::next(it);
    }
  }
  auto [it, inserted] = cache_->open.emplace(segment_id, segment);
  return it->second;
}

Result<std::shared_ptr<const ColdChunk>> ColdSegments::chunk(const OpenSegment& segment, size_t group,
                                                             size_t column) const {
  const Cache::Key key{segment.info.segment_id, group, column};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_->chunks.find(key);
    if (it != cache_->chunks.end()) {
      cache_->lru.splice(cache_->lru.begin(), cache_->lru, it->second.second);
      return it->second.first;
    }
  }
  auto loaded = std::make_shared<ColdChunk>();
  Status status = segment.reader->read_column(group, column, &loaded->values);
  if (!status.is_ok()) {
    return Status(ErrorCode::kInternalStorageError,
                  "cold segment " + segment.info.path() + ": " + status.message());
  }
  loaded->bytes = chunk_bytes(loaded->values);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = cache_->chunks.find(key);
  if (it != cache_->chunks.end()) return it->second.first;  // another thread was faster
  cache_->lru.push_front(key);
  cache_->chunks.emplace(key, std::make_pair(loaded, cache_->lru.begin()));
  cache_->bytes += loaded->bytes;
  while (cache_->bytes > cache_bytes_ && cache_->lru.size() > 1) {
    auto victim = cache_->chunks.find(cache_->lru.back());
    cache_->bytes -= victim->second.first->bytes;
    cache_->chunks.erase(victim);
    cache_->lru.pop_back();
  }
  return std::shared_ptr<const ColdChunk>(loaded);
}

Status ColdSegments::fill(ColdReadContext* context, const ColdLocation& location,
                          const std::vector<uint32_t>* columns, StoredRow* row) const {
  if (context->segment_ == nullptr || context->segment_->info.segment_id != location.segment_id) {
    KALAM_ASSIGN_OR_RETURN(context->segment_, open_segment(location.segment_id));
    context->chunks_.assign(context->segment_->reader->columns().size(), nullptr);
    context->group_ = SIZE_MAX;
  }
  const OpenSegment& segment = *context->segment_;
  if (location.ordinal >= static_cast<uint64_t>(segment.reader->num_rows())) {
    return Status(ErrorCode::kInternalStorageError, "cold row " + std::to_string(location.ordinal) +
                                                        " past the end of segment " + segment.info.path());
  }
  const auto ordinal = static_cast<int64_t>(location.ordinal);
  const size_t group = static_cast<size_t>(
      std::upper_bound(segment.group_starts.begin(), segment.group_starts.end(), ordinal) -
      segment.group_starts.begin() - 1);
  if (group != context->group_) {
    std::fill(context->chunks_.begin(), context->chunks_.end(), nullptr);
    context->group_ = group;
  }
  const auto position = static_cast<size_t>(ordinal - segment.group_starts[group]);
  row->cells.clear();
  for (const auto& [column_id, column] : segment.field_columns) {
    if (columns != nullptr && !std::binary_search(columns->begin(), columns->end(), column_id)) continue;
    std::shared_ptr<const ColdChunk>& cached = context->chunks_[column];
    if (cached == nullptr) {
      KALAM_ASSIGN_OR_RETURN(cached, chunk(segment, group, column));
    }
    row->cells.emplace_back(column_id, cached->values[position]);
  }
  row->cold.reset();
  return Status::ok();
}

void ColdSegments::evict(uint64_t segment_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  cache_->open.erase(segment_id);
  for (auto it = cache_->lru.begin(); it != cache_->lru.end();) {
    if (std::get<0>(*it) == segment_id) {
      auto entry = cache_->chunks.find(*it);
      cache_->bytes -= entry->second.first->bytes;
      cache_->chunks.erase(entry);
      it = cache_->lru.erase(it);
    } else {
      ++it;
    }
  }
}

Status file_error(const std::string& what, const std::string& path) {
  return Status(ErrorCode::kInternalStorageError, what + " " + path + ": " + std::strerror(errno));
}

Status write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return file_error("cannot write", path);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::ok();
}

Status sync_directory(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return file_error("cannot open directory", directory);
  const int synced = fsync(fd);
  ::close(fd);
  if (synced != 0) return file_error("cannot fsync directory", directory);
  return Status::ok();
}

Status write_file_atomically(const std::string& path, std::string_view contents) {
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return file_error("cannot create", temp);
  if (Status written = write_all(fd, contents, temp); !written.is_ok()) {
    ::close(fd);
    return written;
  }
  if (fsync(fd) != 0) {
    ::close(fd);
    return file_error("cannot fsync", temp);
  }
  ::close(fd);
  if (std::rename(temp.c_str(), path.c_str()) != 0) return file_error("cannot rename", temp);
  return sync_directory(std::filesystem::path(path).parent_path().string());
}

Status write_manifest(const std::string& directory, const std::string& table_name, const std::string& scope,
                      const std::vector<SegmentInfo>& segments) {
  const std::string path = directory + "/manifest.json";
  if (segments.empty()) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    return Status::ok();
  }
  boost::json::object manifest;
  manifest["table"] = table_name;
  manifest["scope"] = scope.empty() ? "shared" : scope;
  int64_t version = 0;
  boost::json::array list;
  for (const SegmentInfo& info : segments) {
    version = std::max(version, info.batch);
    boost::json::object entry;
    entry["id"] = std::to_string(info.segment_id);
    entry["path"] = info.file_name;
    entry["min_seq"] = info.min_seq;
    entry["max_seq"] = info.max_seq;
    entry["row_count"] = info.row_count;
    entry["size_bytes"] = info.size_bytes;
    entry["schema_version"] = info.schema_version;
    entry["created_at"] = format_timestamp_micros(info.created_at_us);
    boost::system::error_code ec;
    boost::json::value stats = boost::json::parse(info.column_stats_json, ec);
    entry["column_stats"] = ec ? boost::json::value(boost::json::object()) : stats;
    list.push_back(std::move(entry));
  }
  // The manifest's version is the newest batch it lists: it grows with every flush.
  manifest["version"] = version;
  manifest["segments"] = std::move(list);
  return write_file_atomically(path, boost::json::serialize(manifest));
}

}  // namespace kalam
