// RocksDB wrapper: opens the database with its column families and bounded memory, and
// translates batches, reads and scans; every rocksdb::Status becomes a kalam::Status here.
#include "storage/storage_engine.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "storage/key_encoding.h"

namespace kalam {

namespace {

constexpr std::array<ColumnFamily, kColumnFamilyCount> kAllColumnFamilies = {
    ColumnFamily::kSystem, ColumnFamily::kRows, ColumnFamily::kStreams, ColumnFamily::kIndex};

constexpr size_t kMiB = size_t{1} << 20;
// Memtables of all column families together: this many times write_buffer_mb.
constexpr size_t kTotalWriteBufferFactor = 4;

rocksdb::Slice to_slice(std::string_view view) { return rocksdb::Slice(view.data(), view.size()); }
std::string_view to_view(const rocksdb::Slice& slice) { return std::string_view(slice.data(), slice.size()); }

Status storage_error(std::string_view context, const rocksdb::Status& status) {
  return Status(ErrorCode::kInternalStorageError, std::string(context) + ": " + status.ToString());
}

Status closed_error() { return Status(ErrorCode::kInternalStorageError, "storage engine is closed"); }

bool mentions_lock(const rocksdb::Status& status) {
  std::string text = status.ToString();
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text.find("lock") != std::string::npos;
}

bool valid_family(ColumnFamily family) { return static_cast<size_t>(family) < kColumnFamilyCount; }

// Merge operator of WriteBatch::max_u64: the greater of two 8-byte big-endian
// counters (big-endian: byte order is numeric order). Anything else keeps the larger
// byte string, so a malformed operand never fails a read.
class MaxU64MergeOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    if (existing == nullptr || (existing->size() == value.size() && value.compare(*existing) > 0) ||
        existing->size() < value.size()) {
      new_value->assign(value.data(), value.size());
    } else {
      new_value->assign(existing->data(), existing->size());
    }
    return true;
  }
  const char* Name() const override { return "kalam.MaxU64"; }
};

}  // namespace

std::string_view column_family_name(ColumnFamily family) {
  switch (family) {
    case ColumnFamily::kSystem:
      return "system";
    case ColumnFamily::kRows:
      return "rows";
    case ColumnFamily::kStreams:
      return "streams";
    case ColumnFamily::kIndex:
      return "index";
  }
  return "unknown";
}

// ---- WriteBatch ----

// Operations are buffered (keys and values in one arena) rather than put into a
// rocksdb::WriteBatch directly: a rocksdb batch needs the column family handles of one
// open DB, and a WriteBatch is built before it meets its engine.
struct WriteBatch::Impl {
  enum class OpKind : uint8_t { kPut, kDelete, kDeleteRange, kMergeMax };
  struct Op {
    OpKind kind;
    ColumnFamily family;
    size_t key_offset;
    size_t key_size;
    size_t value_offset;  // for kDeleteRange: the end key
    size_t value_size;
  };

  void add(OpKind kind, ColumnFamily family, std::string_view key, std::string_view value) {
    Op op{kind, family, arena.size(), key.size(), 0, value.size()};
    arena.append(key);
    op.value_offset = arena.size();
    arena.append(value);
    ops.push_back(op);
  }
  std::string_view key(const Op& op) const {
    return std::string_view(arena).substr(op.key_offset, op.key_size);
  }
  std::string_view value(const Op& op) const {
    return std::string_view(arena).substr(op.value_offset, op.value_size);
  }

  std::string arena;
  std::vector<Op> ops;
};

// impl_ is created on first use, so an unused or moved-from batch allocates nothing.
WriteBatch::WriteBatch() = default;
WriteBatch::~WriteBatch() = default;
WriteBatch::WriteBatch(WriteBatch&& other) noexcept = default;
WriteBatch& WriteBatch::operator=(WriteBatch&& other) noexcept = default;

WriteBatch::Impl& WriteBatch::mutable_impl() {
  if (impl_ == nullptr) impl_ = std::make_unique<Impl>();
  return *impl_;
}

void WriteBatch::put(ColumnFamily family, std::string_view key, std::string_view value) {
  mutable_impl().add(Impl::OpKind::kPut, family, key, value);
}

void WriteBatch::del(ColumnFamily family, std::string_view key) {
  mutable_impl().add(Impl::OpKind::kDelete, family, key, {});
}

void WriteBatch::del_range(ColumnFamily family, std::string_view begin_inclusive,
                           std::string_view end_exclusive) {
  mutable_impl().add(Impl::OpKind::kDeleteRange, family, begin_inclusive, end_exclusive);
}

void WriteBatch::max_u64(ColumnFamily family, std::string_view key, uint64_t value) {
  char bytes[8];
  for (int idx = 7; idx >= 0; --idx) {
    bytes[idx] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  mutable_impl().add(Impl::OpKind::kMergeMax, family, key, std::string_view(bytes, 8));
}

void WriteBatch::append(const WriteBatch& other) {
  if (other.impl_ == nullptr) return;
  const Impl& source = *other.impl_;
  Impl& target = mutable_impl();
  for (const Impl::Op& op : source.ops) target.add(op.kind, op.family, source.key(op), source.value(op));
}

size_t WriteBatch::count() const { return impl_ == nullptr ? 0 : impl_->ops.size(); }

void WriteBatch::clear() {
  if (impl_ == nullptr) return;
  impl_->arena.clear();
  impl_->ops.clear();
}

// ---- StorageEngine ----

struct StorageEngine::Impl {
  ~Impl() { close().permit_unchecked(); }

  rocksdb::ColumnFamilyHandle* handle(ColumnFamily family) const {
    return handles[static_cast<size_t>(family)];
  }

  Status close() {
    if (db == nullptr) return Status::ok();
    Status result;
    if (!options.sync_writes) {
      rocksdb::Status synced = db->SyncWAL();
      if (!synced.ok()) result = storage_error("syncing the WAL on close", synced);
    }
    for (rocksdb::ColumnFamilyHandle* family_handle : all_handles) {
      db->DestroyColumnFamilyHandle(family_handle).PermitUncheckedError();
    }
    all_handles.clear();
    handles.fill(nullptr);
    rocksdb::Status closed = db->Close();
    if (!closed.ok() && result.is_ok()) result = storage_error("closing RocksDB", closed);
    db.reset();
    return result;
  }

  StorageOptions options;
  std::unique_ptr<rocksdb::DB> db;
  std::array<rocksdb::ColumnFamilyHandle*, kColumnFamilyCount> handles{};
  std::vector<rocksdb::ColumnFamilyHandle*> all_handles;  // every opened family, incl. default
  rocksdb::WriteOptions write_options;
};

StorageEngine::StorageEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StorageEngine::~StorageEngine() = default;

Result<std::unique_ptr<StorageEngine>> StorageEngine::open(const StorageOptions& options) {
  if (options.path.empty()) return Status(ErrorCode::kInvalidArgument, "storage path is empty");

  std::error_code dir_error;
  std::filesystem::create_directories(options.path, dir_error);
  if (dir_error) {
    return Status(ErrorCode::kInternalStorageError,
                  "cannot create storage directory '" + options.path + "': " + dir_error.message());
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_open_files = options.max_open_files;
  db_options.db_write_buffer_size = options.write_buffer_mb * kMiB * kTotalWriteBufferFactor;
  db_options.keep_log_file_num = 5;
  db_options.max_background_jobs = 2;

  rocksdb::BlockBasedTableOptions table_options;
  // Four shards, not RocksDB's default of one per 512 KiB (64 shards of 1 MiB at 64 MiB):
  // a table file's filter and index blocks grow with the file (hundreds of KiB at a few
  // hundred thousand rows), and in a 1 MiB shard they were pushed out by every scan, so
  // each point read (a primary-key look-up, an index check) then read and checksummed a
  // whole filter block from the file again. CHECK TABLE of a 280,000-row table took
  // 110-155 s that way and takes 3.5 s with four shards, same 64 MiB (bench/README.md,
  // "The block cache").
  table_options.block_cache = rocksdb::NewLRUCache(options.block_cache_mb * kMiB, /*num_shard_bits=*/2);
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Index and filter blocks live in (and are bounded by) the block cache.
  table_options.cache_index_and_filter_blocks = true;
  table_options.cache_index_and_filter_blocks_with_high_priority = true;
  table_options.pin_l0_filter_and_index_blocks_in_cache = true;

  rocksdb::ColumnFamilyOptions family_options;
  family_options.write_buffer_size = options.write_buffer_mb * kMiB;
  family_options.level_compaction_dynamic_level_bytes = true;
  family_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));
  family_options.merge_operator = std::make_shared<MaxU64MergeOperator>();

  // RocksDB must open every family that exists on disk; add ours (created if missing).
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(db_options, options.path, &names).ok()) {
    names.clear();  // no database yet; a real problem resurfaces in DB::Open below
  }
  auto add_name = [&names](std::string_view name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
  };
  add_name(rocksdb::kDefaultColumnFamilyName);
  for (ColumnFamily family : kAllColumnFamilies) add_name(column_family_name(family));

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(names.size());
  for (const std::string& name : names) descriptors.emplace_back(name, family_options);

  std::vector<rocksdb::ColumnFamilyHandle*> opened_handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status opened = rocksdb::DB::Open(db_options, options.path, descriptors, &opened_handles, &raw_db);
  if (!opened.ok()) {
    if (opened.IsIOError() && mentions_lock(opened)) {
      return Status(ErrorCode::kInternalStorageError,
                    "cannot open storage at '" + options.path +
                        "': it is locked by another process or already open in this one (" +
                        opened.ToString() + ")");
    }
    return storage_error("cannot open storage at '" + options.path + "'", opened);
  }

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->db.reset(raw_db);
  impl->all_handles = opened_handles;
  impl->write_options.sync = options.sync_writes;
  for (rocksdb::ColumnFamilyHandle* family_handle : opened_handles) {
    for (ColumnFamily family : kAllColumnFamilies) {
      if (family_handle->GetName() == column_family_name(family)) {
        impl->handles[static_cast<size_t>(family)] = family_handle;
      }
    }
  }
  return std::unique_ptr<StorageEngine>(new StorageEngine(std::move(impl)));
}

// ---- StorageSnapshot ----

struct StorageSnapshot::Impl {
  rocksdb::DB* db = nullptr;
  const rocksdb::Snapshot* snapshot = nullptr;
};

StorageSnapshot::StorageSnapshot(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StorageSnapshot::~StorageSnapshot() {
  if (impl_ != nullptr && impl_->db != nullptr && impl_->snapshot != nullptr) {
    impl_->db->ReleaseSnapshot(impl_->snapshot);
  }
}

namespace {
rocksdb::ReadOptions read_options_at(const StorageSnapshot::Impl* snapshot) {
  rocksdb::ReadOptions options;
  if (snapshot != nullptr) options.snapshot = snapshot->snapshot;
  return options;
}
}  // namespace

// ---- StorageIterator ----

struct StorageIterator::Impl {
  // The bounds' bytes must outlive the iterator (ReadOptions keeps Slices).
  std::string lower;
  std::string upper;
  rocksdb::Slice lower_slice;
  rocksdb::Slice upper_slice;
  std::unique_ptr<rocksdb::Iterator> iterator;
};

StorageIterator::StorageIterator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StorageIterator::~StorageIterator() = default;

bool StorageIterator::valid() const { return impl_->iterator->Valid(); }

void StorageIterator::seek(std::string_view target) {
  if (target < impl_->lower) target = impl_->lower;
  impl_->iterator->Seek(to_slice(target));
}

void StorageIterator::seek_for_prev(std::string_view target) {
  if (!impl_->upper.empty() && target >= impl_->upper) {
    seek_to_last();
    return;
  }
  impl_->iterator->SeekForPrev(to_slice(target));
}

void StorageIterator::seek_to_last() {
  if (impl_->upper.empty()) {
    impl_->iterator->SeekToLast();
    return;
  }
  // With iterate_upper_bound set, SeekForPrev(upper) lands on the last key below it.
  impl_->iterator->SeekForPrev(impl_->upper_slice);
  if (impl_->iterator->Valid() && impl_->iterator->key() == impl_->upper_slice) impl_->iterator->Prev();
}

void StorageIterator::next() { impl_->iterator->Next(); }
void StorageIterator::prev() { impl_->iterator->Prev(); }
std::string_view StorageIterator::key() const { return to_view(impl_->iterator->key()); }
std::string_view StorageIterator::value() const { return to_view(impl_->iterator->value()); }

Status StorageIterator::status() const {
  if (!impl_->iterator->status().ok()) return storage_error("iterator", impl_->iterator->status());
  return Status::ok();
}

Result<std::optional<std::string>> StorageEngine::get(ColumnFamily family, std::string_view key,
                                                      const StorageSnapshot* snapshot) const {
  std::string value;
  KALAM_ASSIGN_OR_RETURN(bool found, get_into(family, key, &value, snapshot));
  if (!found) return std::optional<std::string>();
  return std::optional<std::string>(std::move(value));
}

Result<bool> StorageEngine::get_into(ColumnFamily family, std::string_view key, std::string* value,
                                     const StorageSnapshot* snapshot) const {
  if (impl_->db == nullptr) return closed_error();
  if (!valid_family(family)) return Status(ErrorCode::kInternalError, "invalid column family");
  rocksdb::ReadOptions options = read_options_at(snapshot == nullptr ? nullptr : snapshot->impl_.get());
  rocksdb::PinnableSlice pinned(value);
  rocksdb::Status status = impl_->db->Get(options, impl_->handle(family), to_slice(key), &pinned);
  if (status.IsNotFound()) return false;
  if (!status.ok()) return storage_error("get", status);
  if (pinned.IsPinned()) value->assign(pinned.data(), pinned.size());
  return true;
}

Status StorageEngine::multi_get(ColumnFamily family, const std::vector<std::string>& keys,
                                std::vector<std::optional<std::string>>* values,
                                const StorageSnapshot* snapshot) const {
  if (impl_->db == nullptr) return closed_error();
  if (!valid_family(family)) return Status(ErrorCode::kInternalError, "invalid column family");
  values->assign(keys.size(), std::nullopt);
  if (keys.empty()) return Status::ok();
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (const std::string& key : keys) slices.push_back(to_slice(key));
  std::vector<rocksdb::PinnableSlice> found(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  rocksdb::ReadOptions options = read_options_at(snapshot == nullptr ? nullptr : snapshot->impl_.get());
  impl_->db->MultiGet(options, impl_->handle(family), keys.size(), slices.data(), found.data(),
                      statuses.data());
  for (size_t idx = 0; idx < keys.size(); ++idx) {
    if (statuses[idx].IsNotFound()) continue;
    if (!statuses[idx].ok()) return storage_error("multi_get", statuses[idx]);
    (*values)[idx] = std::string(found[idx].data(), found[idx].size());
  }
  return Status::ok();
}

std::shared_ptr<const StorageSnapshot> StorageEngine::snapshot() const {
  auto impl = std::make_unique<StorageSnapshot::Impl>();
  if (impl_->db != nullptr) {
    impl->db = impl_->db.get();
    impl->snapshot = impl_->db->GetSnapshot();
  }
  return std::shared_ptr<const StorageSnapshot>(new StorageSnapshot(std::move(impl)));
}

Result<std::unique_ptr<StorageIterator>> StorageEngine::new_iterator(ColumnFamily family,
                                                                     std::string lower_inclusive,
                                                                     std::string upper_exclusive,
                                                                     const StorageSnapshot* snapshot) const {
  if (impl_->db == nullptr) return closed_error();
  if (!valid_family(family)) return Status(ErrorCode::kInternalError, "invalid column family");
  auto impl = std::make_unique<StorageIterator::Impl>();
  impl->lower = std::move(lower_inclusive);
  impl->upper = std::move(upper_exclusive);
  impl->lower_slice = to_slice(impl->lower);
  impl->upper_slice = to_slice(impl->upper);
  rocksdb::ReadOptions options = read_options_at(snapshot == nullptr ? nullptr : snapshot->impl_.get());
  options.iterate_lower_bound = &impl->lower_slice;
  if (!impl->upper.empty()) options.iterate_upper_bound = &impl->upper_slice;
  impl->iterator.reset(impl_->db->NewIterator(options, impl_->handle(family)));
  return std::unique_ptr<StorageIterator>(new StorageIterator(std::move(impl)));
}

Status StorageEngine::write(const WriteBatch& batch) { return write(batch, impl_->write_options.sync); }

Status StorageEngine::write(const WriteBatch& batch, bool sync) {
  if (impl_->db == nullptr) return closed_error();
  if (batch.empty()) return Status::ok();
  const WriteBatch::Impl& ops = *batch.impl_;

  rocksdb::WriteBatch rocks_batch(ops.arena.size() + ops.ops.size() * 16);
  for (const WriteBatch::Impl::Op& op : ops.ops) {
    if (!valid_family(op.family)) return Status(ErrorCode::kInternalError, "invalid column family in batch");
    rocksdb::ColumnFamilyHandle* family_handle = impl_->handle(op.family);
    rocksdb::Status added;
    switch (op.kind) {
      case WriteBatch::Impl::OpKind::kPut:
        added = rocks_batch.Put(family_handle, to_slice(ops.key(op)), to_slice(ops.value(op)));
        break;
      case WriteBatch::Impl::OpKind::kDelete:
        added = rocks_batch.Delete(family_handle, to_slice(ops.key(op)));
        break;
      case WriteBatch::Impl::OpKind::kDeleteRange:
        added = rocks_batch.DeleteRange(family_handle, to_slice(ops.key(op)), to_slice(ops.value(op)));
        break;
      case WriteBatch::Impl::OpKind::kMergeMax:
        added = rocks_batch.Merge(family_handle, to_slice(ops.key(op)), to_slice(ops.value(op)));
        break;
    }
    if (!added.ok()) return storage_error("building write batch", added);
  }
  rocksdb::WriteOptions write_options = impl_->write_options;
  write_options.sync = sync;
  rocksdb::Status status = impl_->db->Write(write_options, &rocks_batch);
  if (!status.ok()) return storage_error("write", status);
  return Status::ok();
}

Status StorageEngine::scan_prefix(ColumnFamily family, std::string_view prefix,
                                  const ScanVisitor& visit) const {
  return scan_range(family, prefix, prefix_successor(prefix), visit);
}

Status StorageEngine::scan_range(ColumnFamily family, std::string_view begin_inclusive,
                                 std::string_view end_exclusive, const ScanVisitor& visit,
                                 bool reverse) const {
  if (impl_->db == nullptr) return closed_error();
  if (!valid_family(family)) return Status(ErrorCode::kInternalError, "invalid column family");
  if (!end_exclusive.empty() && begin_inclusive >= end_exclusive) return Status::ok();

  rocksdb::ReadOptions read_options;
  rocksdb::Slice upper_bound = to_slice(end_exclusive);    // must outlive the iterator
  rocksdb::Slice lower_bound = to_slice(begin_inclusive);  // likewise
  if (!end_exclusive.empty()) read_options.iterate_upper_bound = &upper_bound;
  read_options.iterate_lower_bound = &lower_bound;
  std::unique_ptr<rocksdb::Iterator> iterator(impl_->db->NewIterator(read_options, impl_->handle(family)));
  if (reverse) {
    // The bounds keep the iterator inside [begin, end): start at the last key below end.
    if (end_exclusive.empty()) {
      iterator->SeekToLast();
    } else {
      iterator->SeekForPrev(to_slice(end_exclusive));
      if (iterator->Valid() && iterator->key() == to_slice(end_exclusive)) iterator->Prev();
    }
    for (; iterator->Valid(); iterator->Prev()) {
      if (!visit(to_view(iterator->key()), to_view(iterator->value()))) return Status::ok();
    }
  } else {
    for (iterator->Seek(to_slice(begin_inclusive)); iterator->Valid(); iterator->Next()) {
      if (!visit(to_view(iterator->key()), to_view(iterator->value()))) return Status::ok();
    }
  }
  if (!iterator->status().ok()) return storage_error("scan", iterator->status());
  return Status::ok();
}

Result<std::optional<std::string>> StorageEngine::last_key_with_prefix(ColumnFamily family,
                                                                       std::string_view prefix) const {
  if (impl_->db == nullptr) return closed_error();
  if (!valid_family(family)) return Status(ErrorCode::kInternalError, "invalid column family");
  rocksdb::ReadOptions read_options;
  rocksdb::Slice lower_bound = to_slice(prefix);  // must outlive the iterator
  read_options.iterate_lower_bound = &lower_bound;
  std::unique_ptr<rocksdb::Iterator> iterator(impl_->db->NewIterator(read_options, impl_->handle(family)));
  std::string successor = prefix_successor(prefix);
  if (successor.empty()) {
    iterator->SeekToLast();
  } else {
    iterator->SeekForPrev(to_slice(successor));
    if (iterator->Valid() && iterator->key() == to_slice(successor)) iterator->Prev();
  }
  if (!iterator->status().ok()) return storage_error("seek", iterator->status());
  if (!iterator->Valid() || !iterator->key().starts_with(to_slice(prefix)))
    return std::optional<std::string>();
  return std::optional<std::string>(iterator->key().ToString());
}

Result<uint64_t> StorageEngine::approximate_count(ColumnFamily family, std::string_view prefix) const {
  if (impl_->db == nullptr) return closed_error();
  if (!valid_family(family)) return Status(ErrorCode::kInternalError, "invalid column family");
  if (prefix.empty()) {
    uint64_t estimate = 0;
    if (!impl_->db->GetIntProperty(impl_->handle(family), rocksdb::DB::Properties::kEstimateNumKeys,
                                   &estimate)) {
      return Status(ErrorCode::kInternalStorageError, "cannot read rocksdb.estimate-num-keys");
    }
    return estimate;
  }
  uint64_t count = 0;
  KALAM_RETURN_IF_ERROR(scan_prefix(family, prefix, [&count](std::string_view, std::string_view) {
    ++count;
    return true;
  }));
  return count;
}

Status StorageEngine::flush_memtables() {
  if (impl_->db == nullptr) return closed_error();
  std::vector<rocksdb::ColumnFamilyHandle*> families(impl_->handles.begin(), impl_->handles.end());
  rocksdb::FlushOptions flush_options;
  flush_options.wait = true;
  rocksdb::Status status = impl_->db->Flush(flush_options, families);
  if (!status.ok()) return storage_error("flush", status);
  return Status::ok();
}

Status StorageEngine::compact_all() {
  KALAM_RETURN_IF_ERROR(flush_memtables());
  rocksdb::CompactRangeOptions options;
  options.change_level = true;
  for (rocksdb::ColumnFamilyHandle* family_handle : impl_->handles) {
    rocksdb::Status status = impl_->db->CompactRange(options, family_handle, nullptr, nullptr);
    if (!status.ok()) return storage_error("compact", status);
  }
  return Status::ok();
}

Status StorageEngine::close() { return impl_->close(); }

const std::string& StorageEngine::path() const { return impl_->options.path; }

}  // namespace kalam
