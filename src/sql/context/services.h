// ExecutorServices: the components handlers work through. AppContext (server/)
// owns them and fills this struct; nothing in sql/ knows about HTTP.
#pragma once

#include <string>

namespace kalam {

class StorageEngine;
class SchemaRegistry;
class UserStore;
class SnowflakeGenerator;
class LiveQueryManager;
class TableStore;
class JobManager;
class ColdStorageJobs;
struct ServerConfig;

struct ExecutorServices {
  StorageEngine* storage = nullptr;
  TableStore* tables = nullptr;  // every read and write of table rows goes through it
  SchemaRegistry* schema_registry = nullptr;
  UserStore* users = nullptr;
  SnowflakeGenerator* ids = nullptr;
  const ServerConfig* config = nullptr;
  LiveQueryManager* live = nullptr;      // receives committed row changes (may be null)
  std::string secrets_key;               // key material for sealing storage credentials
  JobManager* jobs = nullptr;            // system.jobs, KILL JOB (null: no background jobs)
  ColdStorageJobs* cold_jobs = nullptr;  // flush and cleanup jobs (null: no background jobs)
};

}  // namespace kalam
