// Compact encoders and decoders of Parquet's metadata structs (field ids from parquet.thrift).
#include "parquet/parquet_metadata.h"

#include "parquet/thrift_compact.h"

namespace kalam::parquet {
namespace {

// ---- encoding ----------------------------------------------------------------------

void empty_struct_field(ThriftWriter& writer, int16_t id) {
  writer.begin_struct_field(id);
  writer.end_struct();
}

void encode_time_unit(ThriftWriter& writer, int16_t id, TimeUnit unit) {
  writer.begin_struct_field(id);
  empty_struct_field(writer, unit == TimeUnit::kMillis ? 1 : unit == TimeUnit::kMicros ? 2 : 3);
  writer.end_struct();
}

void encode_logical_type(ThriftWriter& writer, const LogicalType& logical) {
  using Kind = LogicalType::Kind;
  if (logical.kind == Kind::kNone || logical.kind == Kind::kOther) return;
  writer.begin_struct_field(10);
  switch (logical.kind) {
    case Kind::kString:
      empty_struct_field(writer, 1);
      break;
    case Kind::kDecimal:
      writer.begin_struct_field(5);
      writer.field_i32(1, logical.scale);
      writer.field_i32(2, logical.precision);
      writer.end_struct();
      break;
    case Kind::kDate:
      empty_struct_field(writer, 6);
      break;
    case Kind::kTime:
    case Kind::kTimestamp:
      writer.begin_struct_field(logical.kind == Kind::kTime ? 7 : 8);
      writer.field_bool(1, logical.adjusted_to_utc);
      encode_time_unit(writer, 2, logical.unit);
      writer.end_struct();
      break;
    case Kind::kInteger: {
      writer.begin_struct_field(10);
      writer.field_byte(1, logical.bit_width);
      writer.field_bool(2, logical.is_signed);
      writer.end_struct();
      break;
    }
    case Kind::kJson:
      empty_struct_field(writer, 12);
      break;
    case Kind::kUuid:
      empty_struct_field(writer, 14);
      break;
    case Kind::kNone:
    case Kind::kOther:
      break;
  }
  writer.end_struct();
}

void encode_statistics(ThriftWriter& writer, int16_t id, const Statistics& stats) {
  writer.begin_struct_field(id);
  if (stats.null_count) writer.field_i64(3, *stats.null_count);
  if (stats.max_value) writer.field_binary(5, *stats.max_value);
  if (stats.min_value) writer.field_binary(6, *stats.min_value);
  writer.end_struct();
}

}  // namespace

void encode_file_metadata(const FileMetaData& metadata, std::string* out) {
  ThriftWriter writer(out);
  writer.field_i32(1, metadata.version);
  writer.begin_list_field(2, ThriftType::kStruct, metadata.schema.size());
  size_t leaf_count = 0;
  for (const SchemaElement& element : metadata.schema) {
    writer.begin_list_struct();
    if (element.type) writer.field_i32(1, static_cast<int32_t>(*element.type));
    if (element.type == PhysicalType::kFixedLenByteArray) writer.field_i32(2, element.type_length);
    if (element.repetition) writer.field_i32(3, static_cast<int32_t>(*element.repetition));
    writer.field_binary(4, element.name);
    if (!element.type) writer.field_i32(5, element.num_children);
    if (element.converted_type) writer.field_i32(6, static_cast<int32_t>(*element.converted_type));
    if (element.logical.kind == LogicalType::Kind::kDecimal) {
      writer.field_i32(7, element.scale);
      writer.field_i32(8, element.precision);
    }
    if (element.field_id) writer.field_i32(9, *element.field_id);
    encode_logical_type(writer, element.logical);
    writer.end_struct();
    if (element.type) ++leaf_count;
  }
  writer.field_i64(3, metadata.num_rows);
  writer.begin_list_field(4, ThriftType::kStruct, metadata.row_groups.size());
  for (const RowGroup& group : metadata.row_groups) {
    writer.begin_list_struct();
    writer.begin_list_field(1, ThriftType::kStruct, group.columns.size());
    for (const ColumnChunk& chunk : group.columns) {
      writer.begin_list_struct();
      writer.field_i64(2, chunk.file_offset);
      writer.begin_struct_field(3);
      const ColumnMetaData& meta = chunk.meta_data;
      writer.field_i32(1, static_cast<int32_t>(meta.type));
      writer.begin_list_field(2, ThriftType::kI32, meta.encodings.size());
      for (Encoding encoding : meta.encodings) writer.list_i32(static_cast<int32_t>(encoding));
      writer.begin_list_field(3, ThriftType::kBinary, meta.path_in_schema.size());
      for (const std::string& part : meta.path_in_schema) writer.list_binary(part);
      writer.field_i32(4, static_cast<int32_t>(meta.codec));
      writer.field_i64(5, meta.num_values);
      writer.field_i64(6, meta.total_uncompressed_size);
      writer.field_i64(7, meta.total_compressed_size);
      writer.field_i64(9, meta.data_page_offset);
      if (meta.dictionary_page_offset) writer.field_i64(11, *meta.dictionary_page_offset);
      encode_statistics(writer, 12, meta.statistics);
      writer.end_struct();  // meta_data
      writer.end_struct();  // ColumnChunk
    }
    writer.field_i64(2, group.total_byte_size);
    writer.field_i64(3, group.num_rows);
    writer.field_i64(5, group.file_offset);
    writer.field_i64(6, group.total_compressed_size);
    writer.field_i32(7, group.ordinal);  // i16 and i32 share the zigzag varint encoding
    writer.end_struct();
  }
  if (!metadata.key_value_metadata.empty()) {
    writer.begin_list_field(5, ThriftType::kStruct, metadata.key_value_metadata.size());
    for (const KeyValue& entry : metadata.key_value_metadata) {
      writer.begin_list_struct();
      writer.field_binary(1, entry.key);
      writer.field_binary(2, entry.value);
      writer.end_struct();
    }
  }
  writer.field_binary(6, metadata.created_by);
  writer.begin_list_field(7, ThriftType::kStruct, leaf_count);
  for (size_t idx = 0; idx < leaf_count; ++idx) {
    writer.begin_list_struct();
    empty_struct_field(writer, 1);  // TYPE_ORDER
    writer.end_struct();
  }
  writer.end_message();
}

void encode_page_header(const PageHeader& header, std::string* out) {
  ThriftWriter writer(out);
  writer.field_i32(1, static_cast<int32_t>(header.type));
  writer.field_i32(2, header.uncompressed_page_size);
  writer.field_i32(3, header.compressed_page_size);
  switch (header.type) {
    case PageType::kDataPage:
      writer.begin_struct_field(5);
      writer.field_i32(1, header.data_page.num_values);
      writer.field_i32(2, static_cast<int32_t>(header.data_page.encoding));
      writer.field_i32(3, static_cast<int32_t>(header.data_page.definition_level_encoding));
      writer.field_i32(4, static_cast<int32_t>(header.data_page.repetition_level_encoding));
      writer.end_struct();
      break;
    case PageType::kDictionaryPage:
      writer.begin_struct_field(7);
      writer.field_i32(1, header.dictionary_page.num_values);
      writer.field_i32(2, static_cast<int32_t>(header.dictionary_page.encoding));
      writer.end_struct();
      break;
    case PageType::kDataPageV2: {
      const DataPageHeaderV2& v2 = header.data_page_v2;
      writer.begin_struct_field(8);
      writer.field_i32(1, v2.num_values);
      writer.field_i32(2, v2.num_nulls);
      writer.field_i32(3, v2.num_rows);
      writer.field_i32(4, static_cast<int32_t>(v2.encoding));
      writer.field_i32(5, v2.definition_levels_byte_length);
      writer.field_i32(6, v2.repetition_levels_byte_length);
      writer.field_bool(7, v2.is_compressed);
      writer.end_struct();
      break;
    }
    case PageType::kIndexPage:
      break;
  }
  writer.end_message();
}

// ---- decoding ------------------------------------------------------------------------
namespace {

Status corrupt(std::string_view what) {
  return Status(ErrorCode::kInternalStorageError, "corrupt Parquet metadata: " + std::string(what));
}

// Runs `on_field(id, type)` for every field of the struct the reader is positioned in;
// on_field must consume the value (or call reader.skip(type)).
template <typename OnField>
Status read_struct(ThriftReader& reader, OnField&& on_field) {
  KALAM_RETURN_IF_ERROR(reader.begin_struct());
  while (true) {
    int16_t id = 0;
    ThriftType type{};
    KALAM_RETURN_IF_ERROR(reader.next_field(&id, &type));
    if (type == ThriftType::kStop) break;
    KALAM_RETURN_IF_ERROR(on_field(id, type));
  }
  reader.end_struct();
  return Status::ok();
}

// Reads an i32 field after checking its wire type.
Status read_i32_field(ThriftReader& reader, ThriftType type, int32_t* value) {
  if (type != ThriftType::kI32) return corrupt("expected i32");
  return reader.read_i32(value);
}

Status read_i64_field(ThriftReader& reader, ThriftType type, int64_t* value) {
  if (type != ThriftType::kI64) return corrupt("expected i64");
  return reader.read_i64(value);
}

template <typename Enum>
Status read_enum_field(ThriftReader& reader, ThriftType type, Enum* value) {
  int32_t raw = 0;
  KALAM_RETURN_IF_ERROR(read_i32_field(reader, type, &raw));
  *value = static_cast<Enum>(raw);
  return Status::ok();
}

Status read_binary_field(ThriftReader& reader, ThriftType type, std::string* value) {
  if (type != ThriftType::kBinary) return corrupt("expected binary");
  return reader.read_binary(value);
}

// Reads a list of structs, calling `on_element()` positioned at each element.
template <typename OnElement>
Status read_struct_list(ThriftReader& reader, ThriftType type, OnElement&& on_element) {
  if (type != ThriftType::kList) return corrupt("expected list");
  ThriftType element_type{};
  uint32_t size = 0;
  KALAM_RETURN_IF_ERROR(reader.read_list_header(&element_type, &size));
  if (element_type != ThriftType::kStruct) return corrupt("expected a list of structs");
  for (uint32_t idx = 0; idx < size; ++idx) KALAM_RETURN_IF_ERROR(on_element());
  return Status::ok();
}

Status decode_time_unit(ThriftReader& reader, TimeUnit* unit) {
  return read_struct(reader, [&](int16_t id, ThriftType type) -> Status {
    if (id == 1) *unit = TimeUnit::kMillis;
    if (id == 2) *unit = TimeUnit::kMicros;
    if (id == 3) *unit = TimeUnit::kNanos;
    return reader.skip(type);
  });
}

Status decode_logical_type(ThriftReader& reader, LogicalType* logical) {
  using Kind = LogicalType::Kind;
  return read_struct(reader, [&](int16_t id, ThriftType type) -> Status {
    if (type != ThriftType::kStruct) return reader.skip(type);
    switch (id) {
      case 1:
        logical->kind = Kind::kString;
        return reader.skip(type);
      case 5:
        logical->kind = Kind::kDecimal;
        return read_struct(reader, [&](int16_t field, ThriftType field_type) -> Status {
          if (field == 1) return read_i32_field(reader, field_type, &logical->scale);
          if (field == 2) return read_i32_field(reader, field_type, &logical->precision);
          return reader.skip(field_type);
        });
      case 6:
        logical->kind = Kind::kDate;
        return reader.skip(type);
      case 7:
      case 8:
        logical->kind = id == 7 ? Kind::kTime : Kind::kTimestamp;
        return read_struct(reader, [&](int16_t field, ThriftType field_type) -> Status {
          if (field == 1) return reader.read_bool(field_type, &logical->adjusted_to_utc);
          if (field == 2 && field_type == ThriftType::kStruct)
            return decode_time_unit(reader, &logical->unit);
          return reader.skip(field_type);
        });
      case 10:
        logical->kind = Kind::kInteger;
        return read_struct(reader, [&](int16_t field, ThriftType field_type) -> Status {
          if (field == 1 && field_type == ThriftType::kByte) return reader.read_byte(&logical->bit_width);
          if (field == 2) return reader.read_bool(field_type, &logical->is_signed);
          return reader.skip(field_type);
        });
      case 12:
        logical->kind = Kind::kJson;
        return reader.skip(type);
      case 14:
        logical->kind = Kind::kUuid;
        return reader.skip(type);
      default:
        logical->kind = Kind::kOther;
        return reader.skip(type);
    }
  });
}

Status decode_schema_element(ThriftReader& reader, SchemaElement* element) {
  return read_struct(reader, [&](int16_t id, ThriftType type) -> Status {
    int32_t raw = 0;
    switch (id) {
      case 1:
        KALAM_RETURN_IF_ERROR(read_i32_field(reader, type, &raw));
        if (raw < 0 || raw > 7) return corrupt("unknown physical type");
        element->type = static_cast<PhysicalType>(raw);
        return Status::ok();
      case 2:
        return read_i32_field(reader, type, &element->type_length);
      case 3:
        KALAM_RETURN_IF_ERROR(read_i32_field(reader, type, &raw));
        if (raw < 0 || raw > 2) return corrupt("unknown repetition");
        element->repetition = static_cast<Repetition>(raw);
        return Status::ok();
      case 4:
        return read_binary_field(reader, type, &element->name);
      case 5:
        return read_i32_field(reader, type, &element->num_children);
      case 6:
        KALAM_RETURN_IF_ERROR(read_i32_field(reader, type, &raw));
        element->converted_type = static_cast<ConvertedType>(raw);
        return Status::ok();
      case 7:
        return read_i32_field(reader, type, &element->scale);
      case 8:
        return read_i32_field(reader, type, &element->precision);
      case 9:
        KALAM_RETURN_IF_ERROR(read_i32_field(reader, type, &raw));
        element->field_id = raw;
        return Status::ok();
      case 10:
        if (type != ThriftType::kStruct) return corrupt("expected a logical type");
        return decode_logical_type(reader, &element->logical);
      default:
        return reader.skip(type);
    }
  });
}

Status decode_statistics(ThriftReader& reader, Statistics* stats) {
  return read_struct(reader, [&](int16_t id, ThriftType type) -> Status {
    if (id == 3) {
      int64_t count = 0;
      KALAM_RETURN_IF_ERROR(read_i64_field(reader, type, &count));
      stats->null_count = count;
      return Status::ok();
    }
    if (id == 5 || id == 6) {
      std::string value;
      KALAM_RETURN_IF_ERROR(read_binary_field(reader, type, &value));
      (id == 5 ? stats->max_value : stats->min_value) = std::move(value);
      return Status::ok();
    }
    return reader.skip(type);
  });
}

Status decode_column_metadata(ThriftReader& reader, ColumnMetaData* meta) {
  return read_struct(reader, [&](int16_t id, ThriftType type) -> Status {
    switch (id) {
      case 1: {
        int32_t raw = 0;
        KALAM_RETURN_IF_ERROR(read_i32_field(reader, type, &raw));
        if (raw < 0 || raw > 7) return corrupt("unknown physical type");
        meta->type = static_cast<PhysicalType>(raw);
        return Status::ok();
      }
      case 2: {
        if (type != ThriftType::kList) return corrupt("expected list");
        ThriftType element_type{};
        uint32_t size = 0;
        KALAM_RETURN_IF_ERROR(reader.read_list_header(&element_type, &size));
        if (element_type != ThriftType::kI32) return corrupt("expected a list of encodings");
        for (uint32_t idx = 0; idx < size; ++idx) {
          int32_t raw = 0;
          KALAM_RETURN_IF_ERROR(reader.read_i32(&raw));
          meta->encodings.push_back(static_cast<Encoding>(raw));
        }
        return Status::ok();
      }
      case 3: {
        if (type != ThriftType::kList) return corrupt("expected list");
        ThriftType element_type{};
        uint32_t size = 0;
        KALAM_RETURN_IF_ERROR(reader.read_list_header(&element_type, &size));
        if (element_type != ThriftType::kBinary) return corrupt("expected a list of names");
        for (uint32_t idx = 0; idx < size; ++idx) {
          KALAM_RETURN_IF_ERROR(reader.read_binary(&meta->path_in_schema.emplace_back()));
        }
        return Status::ok();
      }
      case 4:
        return read_enum_field(reader, type, &meta->codec);
      case 5:
        return read_i64_field(reader, type, &meta->num_values);
      case 6:
        return read_i64_field(reader, type, &meta->total_uncompressed_size);
      case 7:
        return read_i64_field(reader, type, &meta->total_compressed_size);
      case 9:
        return read_i64_field(reader, type, &meta->data_page_offset);
      case 11: {
        int64_t offset = 0;
        KALAM_RETURN_IF_ERROR(read_i64_field(reader, type, &offset));
        meta->dictionary_page_offset = offset;
        return Status::ok();
      }
      case 12:
        if (type != ThriftType::kStruct) return corrupt("expected statistics");
        return decode_statistics(reader, &meta->statistics);
      default:
        return reader.skip(type);
    }
  });
}

Status decode_row_group(ThriftReader& reader, RowGroup* group) {
  return read_struct(reader, [&](int16_t id, ThriftType type) -> Status {
    switch (id) {
      case 1:
        return read_struct_list(reader, type, [&]() -> Status {
          ColumnChunk& chunk = group->columns.emplace_back();
          bool has_meta = false;
          KALAM_RETURN_IF_ERROR(read_struct(reader, [&](int16_t field, ThriftType field_type) -> Status {
            if (field == 2) return read_i64_field(reader, field_type, &chunk.file_offset);
            if (field == 3 && field_type == ThriftType::kStruct) {
              has_meta = true;
              return decode_column_metadata(reader, &chunk.meta_data);
            }
            return reader.skip(field_type);
          }));
          return has_meta ? Status::ok() : corrupt("column chunk without metadata");
        });
      case 2:
        return read_i64_field(reader, type, &group->total_byte_size);
      case 3:
        return read_i64_field(reader, type, &group->num_rows);
      case 5:
        return read_i64_field(reader, type, &group->file_offset);
      case 6:
        return read_i64_field(reader, type, &group->total_compressed_size);
      default:
        return reader.skip(type);
    }
  });
}

}  // namespace

Status decode_file_metadata(std::string_view data, FileMetaData* metadata) {
  ThriftReader reader(data);
  return read_struct(reader, [&](int16_t id, ThriftType type) -> Status {
    switch (id) {
      case 1:
        return read_i32_field(reader, type, &metadata->version);
      case 2:
        return read_struct_list(reader, type, [&]() -> Status {
          return decode_schema_element(reader, &metadata->schema.emplace_back());
        });
      case 3:
        return read_i64_field(reader, type, &metadata->num_rows);
      case 4:
        return read_struct_list(reader, type, [&]() -> Status {
          return decode_row_group(reader, &metadata->row_groups.emplace_back());
        });
      case 5:
        return read_struct_list(reader, type, [&]() -> Status {
          KeyValue& entry = metadata->key_value_metadata.emplace_back();
          return read_struct(reader, [&](int16_t field, ThriftType field_type) -> Status {
            if (field == 1) return read_binary_field(reader, field_type, &entry.key);
            if (field == 2) return read_binary_field(reader, field_type, &entry.value);
            return reader.skip(field_type);
          });
        });
      case 6:
        return read_binary_field(reader, type, &metadata->created_by);
      default:
        return reader.skip(type);
    }
  });
}

Status decode_page_header(std::string_view data, PageHeader* header, size_t* header_size) {
  ThriftReader reader(data);
  bool has_type = false;
  KALAM_RETURN_IF_ERROR(read_struct(reader, [&](int16_t id, ThriftType type) -> Status {
    switch (id) {
      case 1:
        has_type = true;
        return read_enum_field(reader, type, &header->type);
      case 2:
        return read_i32_field(reader, type, &header->uncompressed_page_size);
      case 3:
        return read_i32_field(reader, type, &header->compressed_page_size);
      case 5:
        if (type != ThriftType::kStruct) return reader.skip(type);
        return read_struct(reader, [&](int16_t field, ThriftType field_type) -> Status {
          DataPageHeader& page = header->data_page;
          if (field == 1) return read_i32_field(reader, field_type, &page.num_values);
          if (field == 2) return read_enum_field(reader, field_type, &page.encoding);
          if (field == 3) return read_enum_field(reader, field_type, &page.definition_level_encoding);
          if (field == 4) return read_enum_field(reader, field_type, &page.repetition_level_encoding);
          return reader.skip(field_type);
        });
      case 7:
        if (type != ThriftType::kStruct) return reader.skip(type);
        return read_struct(reader, [&](int16_t field, ThriftType field_type) -> Status {
          if (field == 1) return read_i32_field(reader, field_type, &header->dictionary_page.num_values);
          if (field == 2) return read_enum_field(reader, field_type, &header->dictionary_page.encoding);
          return reader.skip(field_type);
        });
      case 8:
        if (type != ThriftType::kStruct) return reader.skip(type);
        return read_struct(reader, [&](int16_t field, ThriftType field_type) -> Status {
          DataPageHeaderV2& page = header->data_page_v2;
          switch (field) {
            case 1:
              return read_i32_field(reader, field_type, &page.num_values);
            case 2:
              return read_i32_field(reader, field_type, &page.num_nulls);
            case 3:
              return read_i32_field(reader, field_type, &page.num_rows);
            case 4:
              return read_enum_field(reader, field_type, &page.encoding);
            case 5:
              return read_i32_field(reader, field_type, &page.definition_levels_byte_length);
            case 6:
              return read_i32_field(reader, field_type, &page.repetition_levels_byte_length);
            case 7:
              return reader.read_bool(field_type, &page.is_compressed);
            default:
              return reader.skip(field_type);
          }
        });
      default:
        return reader.skip(type);
    }
  }));
  if (!has_type) return corrupt("page header without a type");
  if (header->compressed_page_size < 0 || header->uncompressed_page_size < 0)
    return corrupt("negative page size");
  *header_size = reader.position();
  return Status::ok();
}

}  // namespace kalam::parquet
