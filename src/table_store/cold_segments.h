// Cold segments (docs/storage.md): the Parquet files flushed rows live in. Owns their
// registry in the `system` family (authoritative: a segment exists when its record does),
// the per-scope flush state, the flush intents a crash may leave, the manifest.json
// files (rewritten from the registry), and a bounded cache of decoded column chunks
// through which the table store reads the cells of cold rows.
//
// Thread-safety: every method may be called from any thread; a ColdReadContext belongs
// to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "storage/row_codec.h"
#include "storage/storage_engine.h"

namespace kalam {

struct SegmentInfo {
  uint64_t segment_id = 0;  // unique for the life of the database
  uint64_t table_id = 0;
  std::string table_name;  // "ns.t" when flushed (for the manifest)
  std::string scope;       // user id, or "" for a SHARED table
  std::string directory;   // absolute
  std::string file_name;   // batch-N.parquet
  int64_t batch = 0;       // N
  uint64_t row_count = 0;
  uint64_t size_bytes = 0;
  int32_t schema_version = 0;
  int64_t min_seq = 0;
  int64_t max_seq = 0;
  int64_t created_at_us = 0;
  std::string column_stats_json;  // {"col": {"min": …, "max": …, "null_count": n}, …}

  std::string path() const { return directory + "/" + file_name; }
};

// Per (table, scope): rows with _seq <= flushed_seq are in cold storage (or superseded).
struct FlushState {
  int64_t flushed_seq = 0;
  int64_t next_batch = 1;
  int64_t last_flush_at_us = 0;
};

struct OpenSegment;
struct ColdChunk;

// What a reader keeps between cold rows: the segment and row group it read last, so that
// a scan takes no lock per row.
class ColdReadContext {
 public:
  ColdReadContext();
  ~ColdReadContext();

 private:
  friend class ColdSegments;
  std::shared_ptr<const OpenSegment> segment_;
  size_t group_ = 0;
  std::vector<std::shared_ptr<const ColdChunk>> chunks_;  // by file column, for group_
};

class ColdSegments {
 public:
  ColdSegments(StorageEngine& storage, size_t cache_bytes);
  ~ColdSegments();
  ColdSegments(const ColdSegments&) = delete;
  ColdSegments& operator=(const ColdSegments&) = delete;

  // Loads the registry, then undoes every flush a crash interrupted before registering
  // its segment (its intent record is still there): the segment's file and temp file
  // are deleted, the scope's manifest is rewritten from the registry, and the intent
  // removed. Intents of registered segments (the crash came while hot rows were being
  // pointed at the segment) are returned in *committed for the table store to finish.
  // Runs at start-up, before any request.
  Status open(std::vector<SegmentInfo>* committed);

  // ---- registry -----------------------------------------------------------------
  std::shared_ptr<const SegmentInfo> find(uint64_t segment_id) const;
  // Registered segments of one scope / of one table (all scopes), by segment id.
  Result<std::vector<SegmentInfo>> segments_of(uint64_t table_id, std::string_view scope) const;
  Result<std::vector<SegmentInfo>> segments_of_table(uint64_t table_id) const;
  // Adds the record of `info` / removes it in `batch`; publish()/unpublish() after the
  // batch is written make the in-memory registry follow.
  static void add_record(WriteBatch& batch, const SegmentInfo& info);
  static void remove_record(WriteBatch& batch, const SegmentInfo& info);
  void publish(const SegmentInfo& info);
  void unpublish(uint64_t segment_id);

  Result<FlushState> flush_state(uint64_t table_id, std::string_view scope) const;
  // The latest last_flush_at_us over the table's scopes (0 when never flushed).
  Result<int64_t> last_flush_at(uint64_t table_id) const;
  static void put_flush_state(WriteBatch& batch, uint64_t table_id, std::string_view scope,
                              const FlushState& state);
  // Every flush state and segment record of a table / of one scope of it.
  static void delete_flush_states(WriteBatch& batch, uint64_t table_id);
  static void delete_scope_records(WriteBatch& batch, uint64_t table_id, std::string_view scope);
  // A flush about to write `info`'s file; removed in the flush's final batch.
  static void put_intent(WriteBatch& batch, const SegmentInfo& info);
  static void remove_intent(WriteBatch& batch, uint64_t segment_id);

  // ---- reads ----------------------------------------------------------------------
  // Fills row->cells from the cold row at `location` (only `columns`, sorted ids, or every
  // column when null) and clears row->cold. A missing segment or unreadable file →
  // kInternalStorageError.
  Status fill(ColdReadContext* context, const ColdLocation& location, const std::vector<uint32_t>* columns,
              StoredRow* row) const;
  // Drops a segment's open file and cached chunks (before its file is deleted).
  void evict(uint64_t segment_id);

 private:
  Result<std::shared_ptr<const OpenSegment>> open_segment(uint64_t segment_id) const;
  Result<std::shared_ptr<const ColdChunk>> chunk(const OpenSegment& segment, size_t group,
                                                 size_t column) const;

  StorageEngine& storage_;
  const size_t cache_bytes_;
  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, std::shared_ptr<const SegmentInfo>> registry_;
  struct Cache;
  std::unique_ptr<Cache> cache_;
};

// Writes `directory`/manifest.json for `segments` atomically (temp file, fsync, rename,
// fsync of the directory), per spec/storage.md; deletes it when `segments` is empty.
Status write_manifest(const std::string& directory, const std::string& table_name, const std::string& scope,
                      const std::vector<SegmentInfo>& segments);

// Writes a whole file durably: `path`.tmp, fsync, rename to `path`, fsync of the directory.
Status write_file_atomically(const std::string& path, std::string_view contents);
// Writes all of `bytes` to `fd` (retrying short writes and EINTR); errors name `path`.
Status write_all(int fd, std::string_view bytes, const std::string& path);
// kInternalStorageError "<what> <path>: <strerror(errno)>", for a failed file call.
Status file_error(const std::string& what, const std::string& path);
// fsync of a directory (after a rename or unlink in it).
Status sync_directory(const std::string& directory);

}  // namespace kalam
