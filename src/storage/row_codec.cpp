// Encoder and bounds-checked decoders of the binary row value (see row_codec.h for the layout).
#include "storage/row_codec.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "common/varint.h"

namespace kalam {
namespace {

enum class CellTag : uint8_t { kNull = 0, kFalse = 1, kTrue = 2, kInt64 = 3, kDouble = 4, kString = 5 };
constexpr uint8_t kDeletedFlag = 0x01;
constexpr uint8_t kColdFlag = 0x02;
constexpr size_t kMaxVarintBytes = 10;
// Smallest possible cell: one-byte column id + one-byte tag.
constexpr size_t kMinCellBytes = 2;

void put_cell(std::string& out, uint32_t column_id, const Value& value) {
  put_varint(out, column_id);
  switch (value.index()) {
    case 0:
      out += static_cast<char>(CellTag::kNull);
      break;
    case 1:
      out += static_cast<char>(std::get<bool>(value) ? CellTag::kTrue : CellTag::kFalse);
      break;
    case 2:
      out += static_cast<char>(CellTag::kInt64);
      put_varint(out, zigzag_encode(std::get<int64_t>(value)));
      break;
    case 3: {
      out += static_cast<char>(CellTag::kDouble);
      uint64_t bits = 0;
      const double real = std::get<double>(value);
      std::memcpy(&bits, &real, sizeof(bits));
      for (int byte = 0; byte < 8; ++byte) out += static_cast<char>((bits >> (8 * byte)) & 0xFF);
      break;
    }
    default: {
      const std::string& text = std::get<std::string>(value);
      out += static_cast<char>(CellTag::kString);
      put_varint(out, text.size());
      out += text;
      break;
    }
  }
}

// Reads the row format; every read checks bounds and reports corruption as a Status.
class RowReader {
 public:
  explicit RowReader(std::string_view data) : data_(data) {}

  bool done() const { return pos_ == data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }

  Status read_byte(uint8_t* out) {
    if (pos_ >= data_.size()) return corrupt("truncated");
    *out = static_cast<uint8_t>(data_[pos_++]);
    return Status::ok();
  }

  Status read_varint(uint64_t* out) {
    uint64_t result = 0;
    for (size_t idx = 0; idx < kMaxVarintBytes; ++idx) {
      if (pos_ >= data_.size()) return corrupt("truncated varint");
      const auto byte = static_cast<uint8_t>(data_[pos_++]);
      // The tenth byte may only carry the 64th bit.
      if (idx == kMaxVarintBytes - 1 && byte > 0x01) return corrupt("varint overflow");
      // A zero final byte after others means a non-minimal encoding: every value has
      // exactly one encoding, so a row decodes only if it re-encodes to the same bytes.
      if (byte == 0 && idx > 0) return corrupt("non-minimal varint");
      result |= static_cast<uint64_t>(byte & 0x7F) << (7 * idx);
      if ((byte & 0x80) == 0) {
        *out = result;
        return Status::ok();
      }
    }
    return corrupt("varint too long");
  }

  Status read_header(RowHeader* header, uint64_t* cell_count) {
    uint8_t version = 0, flags = 0;
    KALAM_RETURN_IF_ERROR(read_byte(&version));
    if (version != kRowFormatVersion) return corrupt("unknown row format version " + std::to_string(version));
    KALAM_RETURN_IF_ERROR(read_byte(&flags));
    if ((flags & ~(kDeletedFlag | kColdFlag)) != 0) return corrupt("unknown row flags");
    header->deleted = (flags & kDeletedFlag) != 0;
    uint64_t raw = 0;
    KALAM_RETURN_IF_ERROR(read_varint(&raw));
    const int64_t schema_version = zigzag_decode(raw);
    if (schema_version < std::numeric_limits<int32_t>::min() ||
        schema_version > std::numeric_limits<int32_t>::max()) {
      return corrupt("schema version out of range");
    }
    header->schema_version = static_cast<int32_t>(schema_version);
    KALAM_RETURN_IF_ERROR(read_varint(&raw));
    header->seq = zigzag_decode(raw);
    if ((flags & kColdFlag) != 0) {
      ColdLocation& cold = header->cold.emplace();
      KALAM_RETURN_IF_ERROR(read_varint(&cold.segment_id));
      KALAM_RETURN_IF_ERROR(read_varint(&cold.ordinal));
      if (cell_count != nullptr) *cell_count = 0;
      return Status::ok();
    }
    if (cell_count != nullptr) {
      KALAM_RETURN_IF_ERROR(read_varint(cell_count));
      if (*cell_count > remaining() / kMinCellBytes) return corrupt("cell count exceeds row size");
    }
    return Status::ok();
  }

  // Reads the next cell's column id and checks it is above `previous` (if any).
  Status read_column_id(bool has_previous, uint32_t previous, uint32_t* column_id) {
    uint64_t raw = 0;
    KALAM_RETURN_IF_ERROR(read_varint(&raw));
    if (raw > std::numeric_limits<uint32_t>::max()) return corrupt("column id out of range");
    if (has_previous && raw <= previous) return corrupt("column ids not ascending");
    *column_id = static_cast<uint32_t>(raw);
    return Status::ok();
  }

  // Reads one cell value; with out == nullptr the value is skipped (bounds still checked).
  Status read_value(Value* out) {
    uint8_t tag = 0;
    KALAM_RETURN_IF_ERROR(read_byte(&tag));
    switch (static_cast<CellTag>(tag)) {
      case CellTag::kNull:
        if (out != nullptr) *out = Value();
        return Status::ok();
      case CellTag::kFalse:
      case CellTag::kTrue:
        if (out != nullptr) *out = Value(static_cast<CellTag>(tag) == CellTag::kTrue);
        return Status::ok();
      case CellTag::kInt64: {
        uint64_t raw = 0;
        KALAM_RETURN_IF_ERROR(read_varint(&raw));
        if (out != nullptr) *out = Value(zigzag_decode(raw));
        return Status::ok();
      }
      case CellTag::kDouble: {
        if (remaining() < 8) return corrupt("truncated double");
        if (out != nullptr) {
          uint64_t bits = 0;
          for (int byte = 0; byte < 8; ++byte) {
            bits |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + byte])) << (8 * byte);
          }
          double real = 0;
          std::memcpy(&real, &bits, sizeof(real));
          *out = Value(real);
        }
        pos_ += 8;
        return Status::ok();
      }
      case CellTag::kString: {
        uint64_t length = 0;
        KALAM_RETURN_IF_ERROR(read_varint(&length));
        if (length > remaining()) return corrupt("string past end of row");
        if (out != nullptr) *out = Value(std::string(data_.substr(pos_, static_cast<size_t>(length))));
        pos_ += static_cast<size_t>(length);
        return Status::ok();
      }
    }
    return corrupt("unknown cell tag " + std::to_string(tag));
  }

  Status corrupt(const std::string& what) const {
    return Status(ErrorCode::kInternalStorageError,
                  "corrupt row value: " + what + " at byte " + std::to_string(pos_));
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

void copy_header(const RowHeader& header, StoredRow* row) {
  row->schema_version = header.schema_version;
  row->seq = header.seq;
  row->deleted = header.deleted;
  row->cold = header.cold;
}

}  // namespace

const Value* StoredRow::cell(uint32_t column_id) const {
  auto it =
      std::lower_bound(cells.begin(), cells.end(), column_id,
                       [](const std::pair<uint32_t, Value>& entry, uint32_t id) { return entry.first < id; });
  return it != cells.end() && it->first == column_id ? &it->second : nullptr;
}

std::string encode_row(const StoredRow& row) {
  // The common case is already strictly ascending; only otherwise build a sorted view.
  bool ascending = true;
  for (size_t idx = 1; idx < row.cells.size() && ascending; ++idx) {
    ascending = row.cells[idx - 1].first < row.cells[idx].first;
  }
  std::vector<const std::pair<uint32_t, Value>*> order;
  if (!ascending) {
    order.reserve(row.cells.size());
    for (const auto& cell : row.cells) order.push_back(&cell);
    std::stable_sort(order.begin(), order.end(),
                     [](const auto* lhs, const auto* rhs) { return lhs->first < rhs->first; });
    // Keep the last of equal ids (stable sort preserved their input order).
    std::vector<const std::pair<uint32_t, Value>*> unique;
    for (const auto* cell : order) {
      if (!unique.empty() && unique.back()->first == cell->first) {
        unique.back() = cell;
      } else {
        unique.push_back(cell);
      }
    }
    order.swap(unique);
  }

  std::string out;
  out.reserve(16 + row.cells.size() * 10);
  out += static_cast<char>(kRowFormatVersion);
  out += static_cast<char>((row.deleted ? kDeletedFlag : 0) | (row.cold ? kColdFlag : 0));
  put_varint(out, zigzag_encode(row.schema_version));
  put_varint(out, zigzag_encode(row.seq));
  if (row.cold) {
    put_varint(out, row.cold->segment_id);
    put_varint(out, row.cold->ordinal);
  } else if (ascending) {
    put_varint(out, row.cells.size());
    for (const auto& [column_id, value] : row.cells) put_cell(out, column_id, value);
  } else {
    put_varint(out, order.size());
    for (const auto* cell : order) put_cell(out, cell->first, cell->second);
  }
  return out;
}

Result<StoredRow> decode_row(std::string_view data) {
  RowReader reader(data);
  RowHeader header;
  uint64_t cell_count = 0;
  KALAM_RETURN_IF_ERROR(reader.read_header(&header, &cell_count));
  StoredRow row;
  copy_header(header, &row);
  row.cells.reserve(static_cast<size_t>(cell_count));
  for (uint64_t cell_idx = 0; cell_idx < cell_count; ++cell_idx) {
    uint32_t column_id = 0;
    KALAM_RETURN_IF_ERROR(
        reader.read_column_id(cell_idx > 0, cell_idx > 0 ? row.cells.back().first : 0, &column_id));
    Value value;
    KALAM_RETURN_IF_ERROR(reader.read_value(&value));
    row.cells.emplace_back(column_id, std::move(value));
  }
  if (!reader.done()) return reader.corrupt("trailing bytes");
  return row;
}

Status decode_row_columns(std::string_view data, const std::vector<uint32_t>& wanted_ids, StoredRow* out) {
  RowReader reader(data);
  RowHeader header;
  uint64_t cell_count = 0;
  KALAM_RETURN_IF_ERROR(reader.read_header(&header, &cell_count));
  copy_header(header, out);
  out->cells.clear();

  // Sorted unique ids are used as they are (no allocation per row); others are normalized.
  std::vector<uint32_t> normalized;
  bool ready = std::adjacent_find(wanted_ids.begin(), wanted_ids.end(),
                                  [](uint32_t a, uint32_t b) { return a >= b; }) == wanted_ids.end();
  if (!ready) {
    normalized = wanted_ids;
    std::sort(normalized.begin(), normalized.end());
    normalized.erase(std::unique(normalized.begin(), normalized.end()), normalized.end());
  }
  const std::vector<uint32_t>& wanted = ready ? wanted_ids : normalized;
  if (wanted.empty()) return Status::ok();
  out->cells.reserve(std::min<size_t>(wanted.size(), static_cast<size_t>(cell_count)));

  size_t wanted_idx = 0;
  uint32_t previous = 0;
  for (uint64_t cell_idx = 0; cell_idx < cell_count; ++cell_idx) {
    uint32_t column_id = 0;
    KALAM_RETURN_IF_ERROR(reader.read_column_id(cell_idx > 0, previous, &column_id));
    previous = column_id;
    while (wanted_idx < wanted.size() && wanted[wanted_idx] < column_id) ++wanted_idx;
    if (wanted_idx < wanted.size() && wanted[wanted_idx] == column_id) {
      Value value;
      KALAM_RETURN_IF_ERROR(reader.read_value(&value));
      out->cells.emplace_back(column_id, std::move(value));
      ++wanted_idx;
    } else {
      KALAM_RETURN_IF_ERROR(reader.read_value(nullptr));
    }
    if (wanted_idx == wanted.size()) return Status::ok();  // everything wanted is behind us
  }
  if (!reader.done()) return reader.corrupt("trailing bytes");
  return Status::ok();
}

Result<RowHeader> decode_row_header(std::string_view data) {
  RowReader reader(data);
  RowHeader header;
  KALAM_RETURN_IF_ERROR(reader.read_header(&header, nullptr));
  return header;
}

}  // namespace kalam
